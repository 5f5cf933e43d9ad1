// Compiles LearningTokens.sol with solc-js (npm package solc, the version in
// contracts/README.md) into LearningTokens.abi and LearningTokens.bin.
// Usage: (cd contracts && npm install --no-save solc@0.8.24 && node build.js)
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const src = fs.readFileSync(path.join(__dirname, 'LearningTokens.sol'), 'utf8');
const input = {
  language: 'Solidity',
  sources: { 'LearningTokens.sol': { content: src } },
  settings: {
    // paris: no PUSH0, so the bytecode also deploys on Besu networks that
    // predate Shanghai (the Learning Tokens quickstart runs Besu 23.4).
    evmVersion: 'paris',
    optimizer: { enabled: true, runs: 200 },
    viaIR: true,
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors || []).filter((e) => e.severity === 'error');
for (const e of out.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);
const c = out.contracts['LearningTokens.sol'].LearningTokens;
fs.writeFileSync(path.join(__dirname, 'LearningTokens.abi'), JSON.stringify(c.abi, null, 1) + '\n');
fs.writeFileSync(path.join(__dirname, 'LearningTokens.bin'), c.evm.bytecode.object + '\n');
console.log('solc', solc.version(), '-> LearningTokens.abi, LearningTokens.bin (' + c.evm.bytecode.object.length / 2 + ' bytes)');
