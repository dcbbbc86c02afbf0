export { OciArchiveDestination } from './archive.ts';
