// Bundles the package's declarations into one dist/index.d.ts with rollup-plugin-dts.
//
// Why: the tRPC client is typed by the server's router (`AppRouter`), which lives in the private
// @promptreg/server package. Published as tsc emits them, the declarations would import
// @promptreg/server, which does not exist outside this repository: a consumer gets TS2307, or with
// skipLibCheck an untyped (any) client. The bundle inlines the router's type instead (tsc already
// writes each procedure's input and output out in full), so the package needs nothing of the server.
//
// What stays an import: the package's own dependencies (package.json), nothing else; an import of
// anything else fails the build. The one module of the server that is not inlined is the one that
// declares the router's context: see types/trpc-context.d.ts.
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { dts } from "rollup-plugin-dts";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
const dependencies = Object.keys(pkg.dependencies);
const isDependency = (id) => dependencies.some((name) => id === name || id.startsWith(`${name}/`));

// The server's type-only export of its router (package.json "./router"), as a file. The server is a
// devDependency: the workspace link is in this package's node_modules.
const serverDir = realpathSync(new URL("./node_modules/@promptreg/server", import.meta.url));
const serverPkg = JSON.parse(readFileSync(join(serverDir, "package.json"), "utf8"));
const routerDeclaration = join(serverDir, serverPkg.exports["./router"].types);
const contextDeclaration = realpathSync(new URL("./types/trpc-context.d.ts", import.meta.url));

/** Resolves the router's relative imports (its context type, nothing else) to the opaque context. */
function opaqueRouterContext() {
  let used = false;
  return {
    name: "opaque-router-context",
    resolveId(source, importer) {
      if (source === "@promptreg/server/router") return routerDeclaration;
      if (importer === routerDeclaration && source.startsWith(".")) {
        used = true;
        return contextDeclaration;
      }
      return null;
    },
    buildEnd(error) {
      if (!error && !used) this.error(`${routerDeclaration} no longer imports its context: check rollup.config.js`);
    },
  };
}

export default {
  input: "build/types/index.d.ts",
  output: { file: "dist/index.d.ts", format: "es" },
  external: isDependency,
  plugins: [opaqueRouterContext(), dts({ respectExternal: true, tsconfig: "tsconfig.build.json" })],
  onwarn(warning) {
    // An unresolved import would be left in the bundle as a dependency nobody installs.
    throw new Error(`declaration bundle: ${warning.message}`);
  },
};
