#!/usr/bin/env node
// Offline check of Cypher statements with Neo4j's own parser and semantic analysis
// (@neo4j-cypher/language-support: the ANTLR grammar and the Cypher front end that
// Neo4j's tools use), so no server is needed.
//
// stdin: either a JSON array of {name, cypher, parameters?}, or an object
//   {statements: [...], schema?: {labels, relationshipTypes, propertyKeys}}.
//   `parameters` lists the names a statement takes: they are declared, and any other
//   $parameter is an error. Without it, undeclared-parameter errors are dropped (the
//   check then cannot know them). A `schema` turns unknown labels, types and property
//   keys into warnings; without one, nothing is known and nothing is warned about.
// argv: --versions "CYPHER 5,CYPHER 25" (the Cypher versions to check each statement
//   against; default: both, so statements run on Neo4j 5 and on 2025+ servers).
// stdout: a JSON array, one entry per statement and version, with its diagnostics.
// exit: 0 when no diagnostic has error severity, 1 when one does, 2 on bad input.

import { readFileSync } from 'node:fs';
import { lintCypherQuery, isNotParamError } from '@neo4j-cypher/language-support';

// vscode-languageserver DiagnosticSeverity values
const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

function parseArgs(argv) {
  const opts = { versions: ['CYPHER 5', 'CYPHER 25'] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--versions' && i + 1 < argv.length) {
      opts.versions = argv[++i].split(',').map((v) => v.trim()).filter(Boolean);
    } else {
      throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return opts;
}

function readInput() {
  const input = JSON.parse(readFileSync(0, 'utf8'));
  const statements = Array.isArray(input) ? input : input.statements;
  if (!Array.isArray(statements)) throw new Error('expected an array of {name, cypher}');
  for (const s of statements) {
    if (typeof s?.name !== 'string' || typeof s?.cypher !== 'string') {
      throw new Error(`each statement needs a string name and cypher: ${JSON.stringify(s)}`);
    }
  }
  const schema = Array.isArray(input) ? {} : input.schema ?? {};
  return { statements, schema };
}

function lintOne(stmt, version, schema) {
  const declared = Array.isArray(stmt.parameters);
  const dbSchema = {
    ...schema,
    defaultLanguage: version,
    // The values do not matter to the check, only that the names are declared.
    parameters: Object.fromEntries((stmt.parameters ?? []).map((p) => [p, null])),
  };
  const { diagnostics, symbolTables } = lintCypherQuery(stmt.cypher, dbSchema, {
    consoleCommandsEnabled: false, // the driver sends plain Cypher, no :param commands
  });
  const kept = declared ? diagnostics : diagnostics.filter(isNotParamError);
  const out = kept.map((d) => ({
    severity: SEVERITY[d.severity] ?? String(d.severity),
    message: d.message,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    offset: d.offsets?.start,
  }));
  // A driver call carries exactly one statement.
  if (symbolTables.length > 1) {
    out.push({ severity: 'error', message: `${symbolTables.length} statements in one text`, line: 1, column: 1, offset: 0 });
  }
  return out;
}

function main() {
  let opts, input;
  try {
    opts = parseArgs(process.argv.slice(2));
    input = readInput();
  } catch (err) {
    console.error(`cypher-lint: ${err.message}`);
    return 2;
  }
  const results = [];
  for (const stmt of input.statements) {
    for (const version of opts.versions) {
      const diagnostics = lintOne(stmt, version, input.schema);
      results.push({
        name: stmt.name,
        version,
        ok: !diagnostics.some((d) => d.severity === 'error'),
        diagnostics,
      });
    }
  }
  process.stdout.write(JSON.stringify(results, null, 1) + '\n');
  return results.every((r) => r.ok) ? 0 : 1;
}

process.exitCode = main();
