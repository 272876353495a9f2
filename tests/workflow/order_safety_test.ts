import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import {
  checkOrderSafety,
  DRY_RUN_REDACTED,
  OrderSafetyError,
  type OrderSafetyInput,
  orderTargetKind,
  renderDryRunFrames,
} from "../../lib/workflow/order_safety.ts";
import { ClientMessageSchema } from "../../lib/protocol/gen/t4/v1/service_pb.ts";
import { encodeClientMessage } from "../../lib/protocol/frame_codec.ts";
import { BuySell, PriceType } from "../../lib/protocol/gen/t4/v1/common/enums_pb.ts";

const ONE_ORDER = [{ volume: 1, label: "steps[2].submit" }];

function refused(input: OrderSafetyInput): OrderSafetyError {
  const result = checkOrderSafety(input);
  if (result.ok) assert.fail("expected the order guard to refuse");
  assert.ok(result.error instanceof OrderSafetyError);
  assert.equal(result.error.name, "OrderSafetyError");
  return result.error;
}

describe("orderTargetKind", () => {
  it("classifies the simulator, loopback hosts and everything else", () => {
    assert.equal(orderTargetKind({ env: "sim" }), "sim");
    assert.equal(orderTargetKind({ env: "live" }), "live");
    assert.equal(orderTargetKind({}), "live");
    assert.equal(orderTargetKind({ url: "wss://wss-sim.t4login.com/v1" }), "sim");
    assert.equal(orderTargetKind({ url: "wss://WSS-SIM.t4login.com:443/v1" }), "sim");
    for (
      const url of [
        "ws://127.0.0.1:8080/v1",
        "ws://127.0.0.2/v1",
        "ws://localhost:9/v1",
        "ws://[::1]:9/v1",
      ]
    ) {
      assert.equal(orderTargetKind({ url }), "loopback", url);
    }
    for (
      const url of [
        "wss://wss.t4login.com/v1",
        "wss://wss-sim.t4login.com.evil.test/v1",
        "ws://10.0.0.1/v1",
      ]
    ) {
      assert.equal(orderTargetKind({ url }), "live", url);
    }
    assert.equal(orderTargetKind({ url: "not a url" }), undefined);
  });

  it("lets the url win over env", () => {
    assert.equal(orderTargetKind({ env: "sim", url: "wss://wss.t4login.com/v1" }), "live");
    assert.equal(orderTargetKind({ env: "live", url: "ws://127.0.0.1:1/v1" }), "loopback");
  });
});

describe("checkOrderSafety: live orders", () => {
  it("allows orders to the simulator and to loopback without any opt-in", () => {
    assert.deepEqual(
      checkOrderSafety({ target: { env: "sim" }, allowLiveOrdersFlag: false, orders: ONE_ORDER }),
      {
        ok: true,
        target: "sim",
      },
    );
    const local = checkOrderSafety({
      target: { url: "ws://127.0.0.1:8080/v1" },
      allowLiveOrdersFlag: false,
      orders: ONE_ORDER,
    });
    assert.deepEqual(local, { ok: true, target: "loopback" });
  });

  it("refuses env: live without the declaration and the flag, naming both", () => {
    const error = refused({
      target: { env: "live" },
      allowLiveOrdersFlag: false,
      orders: ONE_ORDER,
    });
    assert.equal(error.violations.length, 1);
    assert.equal(error.violations[0]?.code, "live_orders_refused");
    assert.equal(
      error.violations[0]?.message,
      "Cannot send 1 order to env: live as live orders need the workflow to declare 'environment: live' and the command line flag --allow-live-orders",
    );
  });

  it("refuses with the flag alone and with the declaration alone", () => {
    const flagOnly = refused({
      target: { env: "live" },
      allowLiveOrdersFlag: true,
      orders: ONE_ORDER,
    });
    assert.match(flagOnly.message, /need the workflow to declare 'environment: live'$/);
    const declaredOnly = refused({
      target: { env: "live" },
      workflowEnvironment: "live",
      allowLiveOrdersFlag: false,
      orders: ONE_ORDER,
    });
    assert.match(declaredOnly.message, /need the command line flag --allow-live-orders$/);
    const declaredSim = refused({
      target: { env: "live" },
      workflowEnvironment: "sim",
      allowLiveOrdersFlag: true,
      orders: ONE_ORDER,
    });
    assert.equal(declaredSim.violations[0]?.code, "live_orders_refused");
  });

  it("allows live orders with both the declaration and the flag", () => {
    const result = checkOrderSafety({
      target: { env: "live" },
      workflowEnvironment: "live",
      allowLiveOrdersFlag: true,
      orders: ONE_ORDER,
    });
    assert.deepEqual(result, { ok: true, target: "live" });
  });

  it("refuses a URL that is neither the simulator nor loopback, and an unspecified target", () => {
    const error = refused({
      target: { env: "sim", url: "wss://t4.example.com/v1?token=abc" },
      allowLiveOrdersFlag: false,
      orders: [{ volume: 1 }, { volume: 2 }],
    });
    assert.match(
      error.message,
      /Cannot send 2 orders to wss:\/\/t4\.example\.com, which is not the simulator \(wss-sim\.t4login\.com\) or loopback/,
    );
    assert.ok(!error.message.includes("token=abc"));
    const none = refused({ target: {}, allowLiveOrdersFlag: false, orders: ONE_ORDER });
    assert.match(none.message, /to an unspecified environment/);
  });

  it("refuses an invalid URL and passes a workflow without orders", () => {
    const error = refused({ target: { url: "::" }, allowLiveOrdersFlag: true, orders: ONE_ORDER });
    assert.equal(error.violations[0]?.code, "invalid_target");
    assert.deepEqual(
      checkOrderSafety({ target: { env: "live" }, allowLiveOrdersFlag: false, orders: [] }),
      {
        ok: true,
        target: "live",
      },
    );
  });
});

describe("checkOrderSafety: volumes", () => {
  const sim = { target: { env: "sim" as const }, allowLiveOrdersFlag: false };

  it("allows volumes up to max_order_volume and refuses those above", () => {
    assert.ok(
      checkOrderSafety({ ...sim, maxOrderVolume: 5, orders: [{ volume: 5 }, { volume: 5n }] }).ok,
    );
    const error = refused({
      ...sim,
      maxOrderVolume: 5,
      orders: [{ volume: 1 }, { volume: 6, label: "steps[4].submit" }, { volume: 9n }],
    });
    assert.deepEqual(error.violations.map((v) => [v.code, v.order]), [
      ["volume_exceeded", "steps[4].submit"],
      ["volume_exceeded", "orders[2]"],
    ]);
    assert.equal(
      error.violations[0]?.message,
      "Cannot send steps[4].submit as its volume 6 is above max_order_volume 5",
    );
  });

  it("skips orders without a volume and refuses volumes that are not positive integers", () => {
    assert.ok(checkOrderSafety({ ...sim, maxOrderVolume: 1, orders: [{ label: "pull" }] }).ok);
    const error = refused({ ...sim, orders: [{ volume: 0 }, { volume: 1.5 }, { volume: -2n }] });
    assert.deepEqual(error.violations.map((v) => v.code), [
      "invalid_volume",
      "invalid_volume",
      "invalid_volume",
    ]);
  });

  it("refuses an invalid max_order_volume", () => {
    const error = refused({ ...sim, maxOrderVolume: 0, orders: ONE_ORDER });
    assert.equal(error.violations[0]?.code, "invalid_max_order_volume");
  });

  it("lists every violation at once", () => {
    const error = refused({
      target: { env: "live" },
      allowLiveOrdersFlag: false,
      maxOrderVolume: 1,
      orders: [{ volume: 3 }],
    });
    assert.deepEqual(error.violations.map((v) => v.code), [
      "live_orders_refused",
      "volume_exceeded",
    ]);
    assert.match(
      error.message,
      /^Cannot run the order steps as the order guard refused them:\n- Cannot send 1 order/,
    );
  });
});

describe("renderDryRunFrames", () => {
  const SECRETS = ["sk-api-SECRET", "pw-SECRET", "lic-SECRET"] as const;

  it("redacts the api key, password and app license", () => {
    const lines = renderDryRunFrames([
      { payload: { case: "loginRequest", value: { apiKey: SECRETS[0] } } },
      {
        payload: {
          case: "loginRequest",
          value: {
            firm: "F",
            username: "u",
            password: SECRETS[1],
            appName: "a",
            appLicense: SECRETS[2],
          },
        },
      },
    ]);
    const text = lines.join("\n");
    for (const secret of SECRETS) assert.ok(!text.includes(secret), secret);
    assert.match(lines[0] ?? "", /^#1 login_request \(\d+ bytes\) \{"api_key":"\*\*\*"\}$/);
    assert.deepEqual(JSON.parse((lines[1] ?? "").replace(/^#2 login_request \(\d+ bytes\) /, "")), {
      firm: "F",
      username: "u",
      password: DRY_RUN_REDACTED,
      app_name: "a",
      app_license: DRY_RUN_REDACTED,
    });
  });

  it("renders orders with proto field names and the encoded size", () => {
    const submit = create(ClientMessageSchema, {
      payload: {
        case: "orderSubmit",
        value: {
          accountId: "A1",
          marketId: "ESZ6",
          orders: [{
            buySell: BuySell.BUY,
            priceType: PriceType.LIMIT,
            volume: 1,
            limitPrice: { value: "4000" },
            tag: "canary",
          }],
        },
      },
    });
    const [line] = renderDryRunFrames([submit]);
    const size = encodeClientMessage(submit).byteLength;
    assert.ok(
      line?.startsWith(
        `#1 order_submit (${size} bytes) {"account_id":"A1","market_id":"ESZ6","orders":[`,
      ),
    );
    assert.match(line ?? "", /"limit_price":\{"value":"4000"\}/);
    assert.match(line ?? "", /"tag":"canary"/);
  });

  it("renders nothing for no frames", () => {
    assert.deepEqual(renderDryRunFrames([]), []);
  });
});
