/**
 * The public origin of a request, for links that leave the server (invitation emails), when it
 * can be believed.
 *
 * A client writes its own `Host` header: a link built from it points wherever the caller
 * likes. Only a proxy listed in AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS (authentik's
 * `listen.trusted_proxy_cidrs`, which also decides whose X-Forwarded-For is believed) may name
 * the public host, in X-Forwarded-Host, and the scheme, in X-Forwarded-Proto. Without both a
 * trusted peer and that header there is no origin, and the caller falls back on
 * TESSERA_EXTERNAL_URL or refuses.
 */
import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

const compiled = new WeakMap<readonly string[], BlockList>();

function trustList(cidrs: readonly string[]): BlockList {
  let list = compiled.get(cidrs);
  if (list) return list;
  list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/');
    const family = isIP(address);
    if (family === 0) continue;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  compiled.set(cidrs, list);
  return list;
}

/** Whether the socket's peer is a trusted proxy; an IPv4-mapped IPv6 address counts as IPv4. */
export function isTrustedProxy(address: string | undefined, cidrs: readonly string[]): boolean {
  if (address === undefined) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped ? mapped[1] : address;
  const family = isIP(plain);
  if (family === 0) return false;
  return trustList(cidrs).check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

// A host name or address literal, with an optional port: nothing that could add a path,
// credentials or a second host to a link.
const HOST_RE =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** The last value of a header a chain of proxies may have appended to (`a, b`). */
function lastEntry(value: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(value) ? value.join(',') : value;
  const entries = joined?.split(',').map((entry) => entry.trim());
  return entries?.[entries.length - 1] || undefined;
}

/** `scheme://host` as a trusted proxy forwarded it, or null. */
export function forwardedOrigin(request: FastifyRequest, trustedCidrs: readonly string[]): string | null {
  if (!isTrustedProxy(request.socket?.remoteAddress, trustedCidrs)) return null;
  const host = lastEntry(request.headers['x-forwarded-host']);
  if (host === undefined || !HOST_RE.test(host)) return null;
  const proto = lastEntry(request.headers['x-forwarded-proto'])?.toLowerCase();
  const encrypted = (request.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const scheme = proto === 'https' || proto === 'http' ? proto : encrypted ? 'https' : 'http';
  return `${scheme}://${host.toLowerCase()}`;
}
