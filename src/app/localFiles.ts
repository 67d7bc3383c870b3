/**
 * Files the user picks or drops, with the path each has inside the chosen
 * folder: the engine finds a model's files by base name and names the model
 * after the folder they share.
 */
import type { LocalFile } from './engineApi';

export function fromFileList(list: FileList | null): LocalFile[] {
  return Array.from(list ?? [], (file) => ({ path: file.webkitRelativePath || file.name, blob: file }));
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, out: LocalFile[]): Promise<void> {
  if (entry.isFile) {
    out.push({ path: entry.fullPath.replace(/^\//, ''), blob: await entryFile(entry as FileSystemFileEntry) });
    return;
  }
  if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries hands a folder over in batches; an empty batch means the end.
    for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) {
      for (const child of batch) await walk(child, out);
    }
  }
}

/** The files of a drop, folders opened recursively. */
export async function fromDrop(data: DataTransfer): Promise<LocalFile[]> {
  // Entries must be taken while the drop event is being handled; the items list empties afterwards.
  const entries = Array.from(data.items, (item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return fromFileList(data.files);
  const out: LocalFile[] = [];
  for (const entry of entries) await walk(entry, out);
  return out;
}
