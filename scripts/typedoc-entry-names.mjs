// @ts-check
/**
 * A TypeDoc plugin: names the module of each entry point as users import it (`nestjs-delegated-store/redis`)
 * instead of by its file (`redis`), from the `entryModuleNames` option of typedoc.config.mjs.
 */
import { relative } from 'node:path';
import { Converter, ParameterType, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.options.addDeclaration({
    name: 'entryModuleNames',
    help: 'The module name of each entry point, by its path relative to the working directory.',
    type: ParameterType.Mixed,
    defaultValue: {},
  });
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return;
    const names = /** @type {Record<string, string>} */ (app.options.getValue('entryModuleNames'));
    const symbol = context.getSymbolFromReflection(reflection);
    const file = symbol?.declarations?.[0]?.getSourceFile().fileName;
    const name = file && names[relative(process.cwd(), file)];
    if (name) reflection.name = name;
  });
}
