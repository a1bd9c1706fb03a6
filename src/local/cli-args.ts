/** `npm start -- [flags]`, parsed; unknown flags are an error with the usage text. */

export interface CliArgs {
  aws: boolean;
  fast: boolean;
  port: number;
  stateDir?: string;
  verbose: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm start -- [--aws] [--fast] [--port N] [--state-dir DIR] [--verbose]

  --aws            use real AWS (default credential chain and region) instead of the sandbox account;
                   DynamoDB stays local (dynalite) and the workflow stays local
  --fast           Wait states (expiry of time-bound grants) last seconds instead of their real time
  --port N         serve the local Slack workspace and the bot on port N (default 3000)
  --state-dir DIR  keep state in DIR (default .local/ in the repository)
  --verbose        print the bot's JSON logs (audit events, requests) as the Lambdas would
  --help           this text

With SLACK_APP_TOKEN and SLACK_BOT_TOKEN set, the bot joins your real Slack workspace over Socket Mode
(see docs/local-mode.md) instead of serving the local one.`;

export class CliArgsError extends Error {
  override readonly name = 'CliArgsError';
}

/** Parses the flags after `npm start --`. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { aws: false, fast: false, port: 3000, verbose: false, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const [flag = '', inline] = arg.split(/=(.*)/s, 2);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new CliArgsError(`${flag} needs a value`);
      i += 1;
      return next;
    };
    switch (flag) {
      case '--aws':
        args.aws = true;
        break;
      case '--fast':
        args.fast = true;
        break;
      case '--verbose':
        args.verbose = true;
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      case '--port': {
        const text = value();
        const port = Number(text);
        if (!/^\d+$/.test(text) || port < 1 || port > 65535)
          throw new CliArgsError(`--port ${text} is not a port number`);
        args.port = port;
        break;
      }
      case '--state-dir':
        args.stateDir = value();
        break;
      default:
        throw new CliArgsError(`Unknown option ${arg}`);
    }
  }
  return args;
}
