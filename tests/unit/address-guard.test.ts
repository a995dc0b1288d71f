import { describe, expect, test } from "bun:test";
import {
  AddressError,
  blockedRange,
  formatIp,
  type Lookup,
  makeAllowList,
  parseIp,
  resolveTarget,
} from "../../src/delivery/address-guard";

const publicOnly = makeAllowList([]);
const answer = (...addresses: string[]): Lookup => async () =>
  addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
const noLookup: Lookup = async () => {
  throw new Error("an IP literal must not be looked up");
};

async function refusal(host: string, lookup: Lookup = noLookup, allow = publicOnly): Promise<string | null> {
  try {
    await resolveTarget(host, allow, lookup);
    return null;
  } catch (error) {
    if (error instanceof AddressError) return error.kind;
    throw error;
  }
}

describe("hostile targets are refused", () => {
  // Each names a trick and the host as it reaches the guard.
  const cases: Array<[string, string]> = [
    ["loopback, dotted", "127.0.0.1"],
    ["loopback, one hex number", "0x7f000001"],
    ["loopback, one decimal number", "2130706433"],
    ["loopback, octal parts", "0177.0.0.01"],
    ["loopback, short form", "127.1"],
    ["loopback, mixed hex and octal parts", "0x7f.0.0.01"],
    ["loopback, trailing dot", "127.0.0.1."],
    ["unspecified, a bare zero", "0"],
    ["unspecified, dotted", "0.0.0.0"],
    ["loopback IPv6", "[::1]"],
    ["loopback IPv6, written out", "0:0:0:0:0:0:0:1"],
    ["unspecified IPv6", "[::]"],
    ["IPv4-mapped loopback, dotted", "[::ffff:127.0.0.1]"],
    ["IPv4-mapped loopback, hex", "::ffff:7f00:1"],
    ["IPv4-mapped metadata address", "::ffff:169.254.169.254"],
    ["IPv4-translated loopback (RFC 2765)", "[::ffff:0:7f00:1]"],
    ["IPv4-compatible loopback", "::127.0.0.1"],
    ["NAT64 of loopback", "64:ff9b::7f00:1"],
    ["6to4 of a private address", "2002:0a00:0001::"],
    ["cloud metadata", "169.254.169.254"],
    ["cloud metadata, one number", "2852039166"],
    ["private 10/8", "10.1.2.3"],
    ["private 172.16/12", "172.31.255.254"],
    ["private 192.168/16", "192.168.0.1"],
    ["CGNAT", "100.64.0.1"],
    ["unique-local IPv6", "fd12:3456::1"],
    ["link-local IPv6 with a zone", "fe80::1%eth0"],
    ["multicast IPv4", "224.0.0.251"],
    ["multicast IPv6", "ff02::1"],
    ["broadcast", "255.255.255.255"],
  ];
  for (const [label, host] of cases) {
    test(`${label} (${host})`, async () => {
      expect(await refusal(host)).toBe("blocked_address");
    });
  }

  test("a name that resolves to loopback", async () => {
    expect(await refusal("localhost", answer("127.0.0.1"))).toBe("blocked_address");
  });

  test("a name that resolves to a public and a private address (either may be handed out next)", async () => {
    expect(await refusal("rebind.example", answer("93.184.216.34", "10.0.0.5"))).toBe("blocked_address");
  });

  test("a name whose resolver answers an IPv4-mapped private address", async () => {
    expect(await refusal("sneaky.example", answer("::ffff:192.168.1.1"))).toBe("blocked_address");
  });

  test("a name that does not resolve is a dns failure, not a block", async () => {
    const failing: Lookup = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    expect(await refusal("nowhere.invalid", failing)).toBe("dns");
  });
});

describe("public targets pass, and the checked address is the one to connect to", () => {
  test("a public IPv4 literal", async () => {
    expect(await resolveTarget("93.184.216.34", publicOnly, noLookup)).toEqual({ address: "93.184.216.34", family: 4 });
  });

  test("a public IPv6 literal", async () => {
    expect(await resolveTarget("[2606:4700::1111]", publicOnly, noLookup)).toEqual({
      address: "2606:4700:0:0:0:0:0:1111",
      family: 6,
    });
  });

  test("a public address in one-number form connects to its dotted form", async () => {
    expect((await resolveTarget("1572395042", publicOnly, noLookup)).address).toBe("93.184.216.34");
  });

  test("a name with IPv4 and IPv6 answers connects over IPv4", async () => {
    const target = await resolveTarget("example.com", publicOnly, answer("2606:2800:220:1::1", "93.184.216.34"));
    expect(target).toEqual({ address: "93.184.216.34", family: 4 });
  });
});

describe("HERALD_ALLOW_PRIVATE_TARGETS", () => {
  test("a loopback range lets loopback through, also IPv4-mapped, and nothing else private", async () => {
    const allow = makeAllowList(["127.0.0.0/8", "::1/128"]);
    expect(await refusal("127.0.0.1", noLookup, allow)).toBeNull();
    expect(await refusal("[::ffff:127.0.0.1]", noLookup, allow)).toBeNull();
    expect(await refusal("[::1]", noLookup, allow)).toBeNull();
    expect(await refusal("10.0.0.1", noLookup, allow)).toBe("blocked_address");
    expect(await refusal("169.254.169.254", noLookup, allow)).toBe("blocked_address");
  });

  test("an office network range is allowed, its neighbours are not", async () => {
    const allow = makeAllowList(["10.20.0.0/16"]);
    expect(await refusal("10.20.3.4", noLookup, allow)).toBeNull();
    expect(await refusal("10.21.0.1", noLookup, allow)).toBe("blocked_address");
  });

  test("* allows every address", async () => {
    expect(await refusal("169.254.169.254", noLookup, makeAllowList(["*"]))).toBeNull();
  });
});

describe("parsing", () => {
  test("host names are not mistaken for addresses", () => {
    for (const host of ["example.com", "cafe", "face", "1e100.net", "08.1.1.1", "1.2.3.4.5", "256.1.1.1"]) {
      expect(parseIp(host)).toBeNull();
    }
  });

  test("numeric forms all land on the same address", () => {
    for (const form of ["127.0.0.1", "0x7f000001", "2130706433", "017700000001", "127.0.1", "127.1"]) {
      expect(formatIp(parseIp(form)!)).toBe("127.0.0.1");
    }
  });

  test("public addresses are not in a blocked range", () => {
    for (const host of ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888"]) expect(blockedRange(parseIp(host)!)).toBeNull();
  });
});
