import { describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { secretBox } from "../../src/delivery/secret-box";
import { generateSecret, secretProblem, sign, signatureHeader } from "../../src/delivery/sign";

// The Standard Webhooks reference vector (the spec's and the libraries' own tests).
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  msgId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("signing", () => {
  test("the signer reproduces the Standard Webhooks test vector", () => {
    expect(sign(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.payload)).toBe(VECTOR.signature);
  });

  test("the standardwebhooks package signs the same bytes the same way", () => {
    const theirs = new Webhook(VECTOR.secret).sign(VECTOR.msgId, new Date(VECTOR.timestamp * 1000), VECTOR.payload);
    expect(sign(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.payload)).toBe(theirs);
  });

  test("during a rotation the header carries one signature per secret, and each verifies alone", () => {
    const old = generateSecret();
    const current = generateSecret();
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ id: "evt_1", data: { ok: true } });
    const header = signatureHeader([current, old], "evt_1", now, body);
    expect(header.split(" ")).toHaveLength(2);
    const headers = { "webhook-id": "evt_1", "webhook-timestamp": String(now), "webhook-signature": header };
    for (const secret of [current, old]) expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
  });

  test("a made secret is whsec_ and the base64 of 32 bytes", () => {
    const secret = generateSecret();
    expect(secret).toStartWith("whsec_");
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    expect(secretProblem(secret)).toBeNull();
  });
});

describe("caller secrets", () => {
  const b64 = (bytes: number) => Buffer.alloc(bytes, 7).toString("base64");
  const cases: Array<[string, string, boolean]> = [
    ["24 bytes, the smallest allowed", `whsec_${b64(24)}`, true],
    ["64 bytes, the largest allowed", `whsec_${b64(64)}`, true],
    ["the reference vector's secret", VECTOR.secret, true],
    ["23 bytes", `whsec_${b64(23)}`, false],
    ["65 bytes", `whsec_${b64(65)}`, false],
    ["no prefix", b64(32), false],
    ["another prefix", `sk_${b64(32)}`, false],
    ["base64url alphabet", `whsec_${Buffer.alloc(32, 0xfb).toString("base64url")}`, false],
    ["missing padding", `whsec_${b64(32).replace(/=+$/, "")}`, false],
    ["empty after prefix", "whsec_", false],
    ["spaces inside", `whsec_${b64(16)} ${b64(16)}`, false],
  ];
  for (const [label, secret, ok] of cases) {
    test(`${label} is ${ok ? "accepted" : "refused"}`, () => {
      expect(secretProblem(secret) === null).toBe(ok);
    });
  }
});

// The secret box lives beside the signer; webhooks and workflows both seal with it.
describe("secrets at rest", () => {
  test("with HERALD_SECRET_KEY a secret is stored encrypted and opens again", () => {
    const box = secretBox("a-long-operator-key-0123456789");
    const sealed = box.seal("whsec_abc", "wh_1");
    expect(sealed).toStartWith("enc:v1:");
    expect(sealed).not.toContain("whsec_abc");
    expect(box.open(sealed, "wh_1")).toBe("whsec_abc");
  });

  test("a sealed secret moved to another row, or opened with another key, does not open", () => {
    const sealed = secretBox("a-long-operator-key-0123456789").seal("whsec_abc", "wh_1");
    expect(() => secretBox("a-long-operator-key-0123456789").open(sealed, "wh_2")).toThrow(/cannot be decrypted/);
    expect(() => secretBox("another-operator-key-987654321").open(sealed, "wh_1")).toThrow(/cannot be decrypted/);
    expect(() => secretBox(undefined).open(sealed, "wh_1")).toThrow(/HERALD_SECRET_KEY is not set/);
  });

  test("without a key a secret is stored as it is, and still opens once a key is set", () => {
    const sealed = secretBox(undefined).seal("whsec_abc");
    expect(secretBox(undefined).open(sealed)).toBe("whsec_abc");
    expect(secretBox("a-long-operator-key-0123456789").open(sealed)).toBe("whsec_abc");
  });
});
