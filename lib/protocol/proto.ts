/**
 * Re-exports of the generated `t4proto.v1` message types and schemas (from `lib/protocol/gen/`), under
 * one import path.
 *
 * @module
 */

export * from "./gen/t4/v1/service_pb.ts";
export * from "./gen/t4/v1/auth/auth_pb.ts";
export * from "./gen/t4/v1/market/market_pb.ts";
export * from "./gen/t4/v1/account/account_pb.ts";
export * from "./gen/t4/v1/orderrouting/orderrouting_pb.ts";
export * from "./gen/t4/v1/common/enums_pb.ts";
export * from "./gen/t4/v1/common/price_pb.ts";
