export * from './model.ts';
export * from './compile.ts';
export { CronSyntaxError } from './errors.ts';
