// The serving certificate and key, read from files and read again when they change: cert-manager
// renews a certificate into its Secret and the kubelet swaps the mounted files (a symlink flip of
// the volume's ..data), so a webhook that read them once would serve an expired certificate.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';

export interface TlsFiles {
  /** PEM certificate, optionally followed by its intermediate CAs. */
  certFile: string;
  /** PEM private key of that certificate. */
  keyFile: string;
}

export interface KeyPair {
  cert: Buffer;
  key: Buffer;
}

export interface TlsReloadOptions {
  /** How often the files are read for a change. */
  intervalMs?: number;
  /** Called with the new pair once it has been read and checked. */
  onChange: (pair: KeyPair) => void;
  /** Called once per new content that cannot be used (a half-written rotation, say); the old pair stays. */
  onError?: (error: Error) => void;
}

export const DEFAULT_TLS_RELOAD_INTERVAL_MS = 10_000;

/** Reads the pair and checks that the key is the certificate's. Throws with the file named. */
export function readKeyPair(files: TlsFiles): KeyPair {
  const cert = readNamed(files.certFile, 'certificate');
  const key = readNamed(files.keyFile, 'key');
  checkKeyPair(files, { cert, key });
  return { cert, key };
}

function readNamed(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read the TLS ${what} ${file}: ${(error as Error).message}`);
  }
}

function checkKeyPair(files: TlsFiles, pair: KeyPair): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pair.cert);
  } catch (error) {
    throw new Error(`${files.certFile} holds no PEM certificate: ${(error as Error).message}`);
  }
  let matches: boolean;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(pair.key));
  } catch (error) {
    throw new Error(`${files.keyFile} holds no PEM private key: ${(error as Error).message}`);
  }
  if (!matches) throw new Error(`the key in ${files.keyFile} is not the key of the certificate in ${files.certFile}`);
}

/**
 * Watches the pair by reading it every `intervalMs` (reading follows the kubelet's symlinks, which
 * a file watch on the old inode would miss), and reports each new pair that passes the check.
 * Returns a function that stops watching.
 */
export function watchKeyPair(files: TlsFiles, current: KeyPair, options: TlsReloadOptions): () => void {
  let served = current;
  /** The last problem reported, so that a pair which stays unusable is reported once. */
  let lastProblem: string | undefined;
  let reading = false;
  const check = async () => {
    if (reading) return;
    reading = true;
    try {
      // A file missing for a moment during a swap is reported, and read again next round.
      const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
      if (cert.equals(served.cert) && key.equals(served.key)) return;
      checkKeyPair(files, { cert, key });
      served = { cert, key };
      lastProblem = undefined;
      options.onChange(served);
    } catch (error) {
      if ((error as Error).message !== lastProblem) {
        lastProblem = (error as Error).message;
        options.onError?.(error as Error);
      }
    } finally {
      reading = false;
    }
  };
  const timer = setInterval(() => void check(), options.intervalMs ?? DEFAULT_TLS_RELOAD_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
