/** A one-line progress indicator on stderr, only when stderr is a terminal. */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Spinner {
  private frame = 0;
  private shown = false;
  constructor(private readonly enabled = Boolean(process.stderr.isTTY)) {}

  update(text: string): void {
    if (!this.enabled) return;
    const width = (process.stderr.columns || 80) - 1;
    const line = `${FRAMES[this.frame++ % FRAMES.length]} ${text}`;
    process.stderr.write(`\r\u001b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\u001b[2K');
    this.shown = false;
  }
}
