/**
 * Names shared by every process of a stream cluster: streams, buckets, subjects, and the mapping of a
 * symbol to a subject token (subjects cannot hold '.', '*', '>' or spaces).
 */
export const REQUEST_STREAM = 'HM_REQ';
export const RESPONSE_STREAM = 'HM_RESP';
export const LEASE_BUCKET = 'hm_leases';
export const META_BUCKET = 'hm_meta';
export const CHECKPOINT_BUCKET = 'hm_ckpt';

/** What the gateway publishes on; the server's mapping turns it into requestSubject(p, token). */
export const publishSubject = (token: string) => `req.${token}`;
export const requestFilter = (p: number) => `req.p.${p}.>`;
export const responseSubject = (token: string) => `resp.${token}`;

/**
 * The server-side mapping that partitions requests: every request of a symbol lands in one partition,
 * by a hash of its token, so one consumer sees a symbol's requests in publish order.
 */
export const partitionMapping = (partitions: number): Record<string, string> => ({ 'req.*': `req.p.{{partition(${partitions},1)}}.{{wildcard(1)}}` });

const SAFE = /^[A-Za-z0-9_-]{1,128}$/;
/** A symbol as one subject token: itself when it is plain, else '~' and the hex of its UTF-8 bytes. */
export function symbolToken(symbol: string): string {
  return SAFE.test(symbol) ? symbol : `~${Buffer.from(symbol, 'utf8').toString('hex')}`;
}

/** Partition number of a mapped request subject `req.p.<n>.<token>`. */
export function partitionOf(subject: string): number {
  const parts = subject.split('.');
  const p = Number(parts[2]);
  if (parts.length !== 4 || parts[0] !== 'req' || parts[1] !== 'p' || !Number.isInteger(p)) throw new RangeError(`not a partitioned request subject: ${subject}`);
  return p;
}

/** The message bodies (JSON). */
export interface RequestBody {
  id: number;
  symbol: string;
  features: number[];
}
export interface ResponseBody {
  id: number;
  symbol: string;
  prediction: number[];
}
