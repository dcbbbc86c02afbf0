export { openOciArchiveSource } from './archive.ts';
