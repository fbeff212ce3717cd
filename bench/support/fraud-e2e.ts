/** The end-to-end mode of bench:fraud (through the gateway); written next. */
export async function runEndToEnd(options: {
  seed: number;
  log: (line: string) => void;
}): Promise<Record<string, unknown>> {
  options.log('e2e mode is not written yet');
  return { mode: 'e2e', ran: false };
}
