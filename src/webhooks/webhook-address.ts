/**
 * Where a webhook may be sent. An endpoint's URL is chosen by whoever may add one, and the
 * server POSTs to it from inside the network: without a check, that is a way to reach the
 * server's own loopback services, the cloud metadata address (169.254.169.254) and the private
 * network (server-side request forgery). So a URL whose host is, or resolves to, an address in
 * one of the ranges below is refused when the endpoint is saved, and checked again at every
 * delivery, connecting to the address that was checked (DNS may answer differently later),
 * unless TESSERA_WEBHOOKS_ALLOW_PRIVATE is set. Node's BlockList matches IPv4-mapped IPv6
 * addresses (`::ffff:127.0.0.1`) against the IPv4 ranges.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const BLOCKED: [address: string, prefix: number, family: 'ipv4' | 'ipv6', what: string][] = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'reserved'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  // IPv4-compatible addresses (`::127.0.0.1`), with `::` and `::1`.
  ['::', 96, 'ipv6', 'unspecified, loopback or IPv4-compatible'],
  ['fc00::', 7, 'ipv6', 'unique-local'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

/** An IPv4 address as two IPv6 groups (`127.0.0.1` → `7f00:1`). */
function v4Groups(address: string): string {
  const [a, b, c, d] = address.split('.').map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/**
 * The IPv4 ranges again where IPv6 embeds an IPv4 address the network may route to it: NAT64
 * (`64:ff9b::/96`, RFC 6052) and 6to4 (`2002::/16`, RFC 3056).
 */
const EMBEDDED: typeof BLOCKED = BLOCKED.filter(([, , family]) => family === 'ipv4').flatMap(
  ([address, prefix, , what]) => [
    [`64:ff9b::${v4Groups(address)}`, 96 + prefix, 'ipv6', `${what} (NAT64)`],
    [`2002:${v4Groups(address)}::`, 16 + prefix, 'ipv6', `${what} (6to4)`],
  ],
);

const blockList = new BlockList();
for (const [address, prefix, family] of [...BLOCKED, ...EMBEDDED])
  blockList.addSubnet(address, prefix, family);

/** Why an address may not be sent to, or undefined when it may. */
export function blockedReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (!blockList.check(address, type)) return undefined;
  const match = [...BLOCKED, ...EMBEDDED].find(([net, prefix, netFamily]) => {
    const one = new BlockList();
    one.addSubnet(net, prefix, netFamily);
    return one.check(address, type);
  });
  return match ? match[3] : 'reserved';
}

export class AddressRefused extends Error {}

/** The host of a URL as a resolver or isIP takes it (`[::1]` → `::1`). */
function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * The addresses `hostname` resolves to, each checked; throws AddressRefused naming the first
 * refused one (every address must pass: a client may connect to any of them).
 */
export async function checkedAddresses(
  hostname: string,
  allowPrivate: boolean,
): Promise<{ address: string; family: number }[]> {
  const host = bareHost(hostname);
  const addresses =
    isIP(host) !== 0
      ? [{ address: host, family: isIP(host) }]
      : await dnsLookup(host, { all: true, verbatim: true }).catch(() => {
          throw new AddressRefused(`The host ${host} could not be resolved.`);
        });
  if (addresses.length === 0) throw new AddressRefused(`The host ${host} could not be resolved.`);
  if (!allowPrivate) {
    for (const { address } of addresses) {
      const reason = blockedReason(address);
      if (reason) {
        throw new AddressRefused(
          `The host ${host} is a ${reason} address (${address}); webhooks are only sent to public ` +
            'addresses unless TESSERA_WEBHOOKS_ALLOW_PRIVATE is set.',
        );
      }
    }
  }
  return addresses;
}

/**
 * A `lookup` for http.request that resolves and checks, so the connection goes to an address
 * that passed the check, not to whatever a second resolution would answer.
 */
export function checkedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    checkedAddresses(hostname, allowPrivate).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = wanted ? addresses.filter((a) => a.family === wanted) : addresses;
        if (usable.length === 0) {
          callback(new AddressRefused(`The host ${hostname} has no IPv${wanted} address.`), '', 0);
        } else if (options.all) {
          (callback as unknown as (error: null, list: { address: string; family: number }[]) => void)(
            null,
            usable,
          );
        } else callback(null, usable[0].address, usable[0].family);
      },
      (error: Error) => callback(error, '', 0),
    );
  };
}
