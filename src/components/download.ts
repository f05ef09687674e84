/** Saves text as a file through a Blob URL: the file is built in the page, nothing leaves the browser. */
export function downloadText(file: { fileName: string; text: string }, type: string): void {
  const url = URL.createObjectURL(new Blob([file.text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
