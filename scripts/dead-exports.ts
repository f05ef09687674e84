/**
 * `npm run lint:exports`: lists every export of src/ that no other file imports (issue 17 item 6),
 * and exits 1 when there is one. An export is used when some other module of src/, bench/, e2e/
 * or datasets/ or a config file (a Svelte component's script included) imports it by name, re-exports it, or
 * imports its module whole (`import * as`). Reading the imports with TypeScript's parser, not
 * by searching text, keeps a name in a comment or a string from counting as a use.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const SCANNED = ['src', 'bench', 'e2e', 'datasets', 'scripts'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : files(path);
    return /\.(ts|svelte)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** A source file's TypeScript: the file, or the <script> blocks of a component. */
function sourceOf(path: string): ts.SourceFile {
  const text = readFileSync(path, 'utf8');
  const code = path.endsWith('.svelte') ? [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n') : text;
  return ts.createSourceFile(path, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** The file a relative specifier names, tried as written and with the extensions this repo uses. */
function resolveSpecifier(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, base.replace(/\.js$/, '.ts'), `${base}/index.ts`]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

/** Names each module exports, with the line they are declared on. */
function exportsOf(source: ts.SourceFile): Map<string, number> {
  const names = new Map<string, number>();
  const line = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  for (const statement of source.statements) {
    const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) {
      if (ts.isExportDeclaration(statement) && !statement.moduleSpecifier && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) names.set(element.name.text, line(element));
      }
      continue;
    }
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) if (ts.isIdentifier(declaration.name)) names.set(declaration.name.text, line(declaration));
    } else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.set(statement.name.text, line(statement));
    }
  }
  return names;
}

const CONFIGS = ['vite.config.ts', 'vite.bench.config.ts', 'playwright.config.ts'].map((name) => join(ROOT, name));
const all = [...SCANNED.flatMap((dir) => files(join(ROOT, dir))), ...CONFIGS];
const sources = new Map(all.map((path) => [path, sourceOf(path)]));
/** Per module: the names other files take from it; `*` when one takes the whole module. */
const used = new Map<string, Set<string>>();
const use = (path: string, name: string) => used.set(path, (used.get(path) ?? new Set()).add(name));

for (const [path, source] of sources) {
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const target = resolveSpecifier(path, node.moduleSpecifier.text);
      if (target && target !== path) {
        if (ts.isImportDeclaration(node)) {
          const clause = node.importClause;
          if (clause?.name) use(target, 'default');
          const bindings = clause?.namedBindings;
          if (bindings && ts.isNamespaceImport(bindings)) use(target, '*');
          if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) use(target, (element.propertyName ?? element.name).text);
          if (!clause) use(target, '*'); // a side-effect import
        } else if (!node.exportClause) use(target, '*');
        else if (ts.isNamedExports(node.exportClause)) for (const element of node.exportClause.elements) use(target, (element.propertyName ?? element.name).text);
      }
    }
    // Dynamic `import('./x')` takes the whole module.
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      const target = resolveSpecifier(path, node.arguments[0].text);
      if (target) use(target, '*');
    }
    // `typeof import('./x').name` in a type.
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      const target = resolveSpecifier(path, node.argument.literal.text);
      if (target) use(target, node.qualifier && ts.isIdentifier(node.qualifier) ? node.qualifier.text : '*');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

const dead: string[] = [];
for (const [path, source] of sources) {
  if (!path.startsWith(join(ROOT, 'src')) || path.endsWith('.svelte') || /\.(test|spec)\.ts$/.test(path)) continue;
  const taken = used.get(path) ?? new Set();
  if (taken.has('*')) continue;
  for (const [name, line] of exportsOf(source)) if (!taken.has(name)) dead.push(`${relative(ROOT, path)}:${line}  ${name}`);
}

if (dead.length) {
  console.error(`${dead.length} export${dead.length === 1 ? '' : 's'} no other file imports (use them, stop exporting them, or delete them):`);
  for (const line of dead) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`lint:exports: every export of src/ is imported somewhere (${sources.size} files read)`);
