/** What the CLI reads and writes; injected so commands are testable without a terminal. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}
