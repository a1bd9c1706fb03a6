// serverless.yml: `ACCESS_RULES: ${file(./scripts/access-rules-env.js)}`. Turns access-rules.yml into the
// JSON every function reads from ACCESS_RULES and validates when it starts (src/access-rules-file.ts):
//   {"file": "access-rules.yml", "rules": <the file's content>, "lines": {"tiers.admin.approvals": 42, …}}
// YAML is parsed here, at deploy (and by local mode and tests), not in the Lambdas: the `yaml` package
// would add ~130 KB to every bundle. `lines` keeps the line of every key, so a validation error at start
// still names the line in the repository's file. A YAML syntax error fails the deploy here, with its line.

const { readFileSync } = require('node:fs');
const path = require('node:path');
const { isMap, isScalar, isSeq, LineCounter, parseDocument } = require('yaml');

const FILE = path.join(__dirname, '..', 'access-rules.yml');

/** The ACCESS_RULES value for the YAML `text` of a rules file named `file`. Throws on a syntax error. */
function accessRulesEnv(text, file = 'access-rules.yml') {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = lineCounter.linePos(syntax.pos[0]).line;
    throw new Error(`Invalid access rules: ${file} line ${line}: ${syntax.message.split('\n')[0]}`);
  }
  const lines = {};
  const walk = (node, prefix) => {
    if (isSeq(node)) {
      node.items.forEach((item, index) => {
        if (item?.range) lines[`${prefix}.${index}`] = lineCounter.linePos(item.range[0]).line;
        walk(item, `${prefix}.${index}`);
      });
    }
    if (!isMap(node)) return;
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const key = prefix === '' ? String(pair.key.value) : `${prefix}.${pair.key.value}`;
      if (pair.key.range) lines[key] = lineCounter.linePos(pair.key.range[0]).line;
      walk(pair.value, key);
    }
  };
  walk(doc.contents, '');
  return JSON.stringify({ file, rules: doc.toJS() ?? {}, lines });
}

/** The ACCESS_RULES value of the repository's access-rules.yml. */
const accessRulesEnvOfFile = (file = FILE) => accessRulesEnv(readFileSync(file, 'utf8'), path.basename(file));

module.exports = async () => accessRulesEnvOfFile();
module.exports.accessRulesEnv = accessRulesEnv;
module.exports.accessRulesEnvOfFile = accessRulesEnvOfFile;
module.exports.ACCESS_RULES_FILE = FILE;
