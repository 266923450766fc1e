// What type-checking sees for 'ssh2' (tsconfig `paths`): ssh2's own types, unchanged. The bundler
// takes the next candidate of the mapping, ssh2-client.ts (it finds no .ts file here).
export * from '../../node_modules/@types/ssh2/index';
