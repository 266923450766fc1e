import { probeBurst } from '../../remote/commands/traffic';
import type { RemoteHost } from '../../remote/remote-host';
import type { Counts } from '../verdict';
import type { ErrorSource } from './error-source';

/** Requests per look: the window's traffic when the host has none of its own worth counting. */
const BURST = 10;

/** Requests made from the host to `check-url` during the window; non-2xx and no-answer are errors. */
export class ProbeSource implements ErrorSource {
  readonly description: string;
  private readonly counts: Counts = { requests: 0, errors: 0 };
  private readonly errorSamples: string[] = [];

  constructor(
    private readonly remote: RemoteHost,
    private readonly url: string,
  ) {
    this.description = `probe of ${url} from the host`;
  }

  async mark(): Promise<void> {}

  async baseline(): Promise<null> {
    return null;
  }

  async read(): Promise<Counts> {
    const out = await this.remote.check(probeBurst(this.url, BURST, 2000));
    for (const code of out
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)) {
      this.counts.requests += 1;
      if (!/^2\d\d$/.test(code)) {
        this.counts.errors += 1;
        if (this.errorSamples.length < 10)
          this.errorSamples.push(`GET ${this.url} → ${code === '000' ? 'no response (socket error or timeout)' : `HTTP ${code}`}`);
      }
    }
    return { ...this.counts };
  }

  samples(): string[] {
    return this.errorSamples;
  }
}
