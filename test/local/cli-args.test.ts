import { parseCliArgs } from '../../src/local/cli-args';

const defaults = { aws: false, fast: false, port: 3000, verbose: false, help: false };

describe('npm start flags', () => {
  it.each([
    [[], defaults],
    [['--aws'], { ...defaults, aws: true }],
    [['--fast', '--verbose'], { ...defaults, fast: true, verbose: true }],
    [['--port', '8080'], { ...defaults, port: 8080 }],
    [['--port=8081'], { ...defaults, port: 8081 }],
    [['--state-dir', '/tmp/x'], { ...defaults, stateDir: '/tmp/x' }],
    [['-h'], { ...defaults, help: true }],
  ])('%j', (argv, expected) => {
    expect(parseCliArgs(argv)).toEqual(expected);
  });

  it.each([
    [['--port'], '--port needs a value'],
    [['--port', 'abc'], '--port abc is not a port number'],
    [['--port', '70000'], '--port 70000 is not a port number'],
    [['--sandbox'], 'Unknown option --sandbox'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
