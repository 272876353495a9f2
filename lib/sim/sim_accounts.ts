/**
 * The simulator's accounts: account subscriptions, positions, and the account and position
 * updates sent to subscribed sessions.
 *
 * @module
 */

import {
  AccountEnabled,
  AccountMode,
  AccountStatus,
  AccountSubscribeType,
} from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type { AccountSubscribe } from "../protocol/gen/t4/v1/account/account_pb.ts";
import type { SimAccount, SimCore, SimPosition, SimSession } from "./sim_core.ts";

/**
 * Accounts and positions of the simulator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "../runtime/clock.ts";
 * import { DEFAULT_SIM_MARKETS, DEFAULT_SIM_USERS } from "./sim_config.ts";
 * import { SimCore } from "./sim_core.ts";
 * import { SimAccounts } from "./sim_accounts.ts";
 *
 * const core = new SimCore({
 *   clock: systemClock,
 *   seed: 1,
 *   users: DEFAULT_SIM_USERS,
 *   markets: DEFAULT_SIM_MARKETS,
 *   bookDepth: 10,
 *   accountBalance: 1000,
 * });
 * const accounts = new SimAccounts(core);
 * const account = [...core.accounts.values()][0]!;
 * assert.equal(accounts.position(account, DEFAULT_SIM_MARKETS[0]!.marketId).net, 0);
 * ```
 */
export class SimAccounts {
  readonly #core: SimCore;

  /**
   * Creates the account logic.
   *
   * @param core The simulator's state.
   */
  constructor(core: SimCore) {
    this.#core = core;
  }

  /**
   * Answers an account subscribe (or unsubscribe) and sends the accounts' details, balances and
   * positions.
   *
   * @param session A logged-in session.
   * @param request The request.
   */
  subscribe(session: SimSession, request: AccountSubscribe): void {
    const core = this.#core;
    const user = session.user!;
    const ids = request.subscribeAllAccounts ? user.accounts : request.accountId;
    const errors: string[] = [];
    const valid: SimAccount[] = [];
    for (const id of ids) {
      const account = core.accounts.get(id);
      if (account === undefined || account.owner !== user) {
        errors.push(`Account '${id}' is not available to this user`);
      } else {
        valid.push(account);
      }
    }
    if (ids.length === 0) errors.push("No account given: set account_id or subscribe_all_accounts");
    core.log(
      `accounts ${
        request.subscribe === AccountSubscribeType.NONE ? "unsubscribed" : "subscribed"
      }: ${valid.map((a) => a.accountId).join(", ") || "none"}${
        errors.length > 0 ? ` (${errors.length} refused)` : ""
      } (session ${session.sessionId})`,
    );
    if (request.subscribe === AccountSubscribeType.NONE) {
      for (const account of valid) session.accounts.delete(account.accountId);
      core.send(session, {
        case: "accountSubscribeResponse",
        value: { success: errors.length === 0, errors },
      });
      return;
    }
    core.send(session, {
      case: "accountSubscribeResponse",
      value: { success: errors.length === 0, errors },
    });
    for (const account of valid) {
      session.accounts.add(account.accountId);
      core.send(session, {
        case: "accountDetails",
        value: {
          accountId: account.accountId,
          accountName: account.accountId,
          account: account.accountId,
          displayName: account.accountId,
          enabled: AccountEnabled.ENABLED,
          firmId: user.user.firm ?? "T4Demo",
          firm: user.user.firm ?? "T4Demo",
          orderRouting: true,
          mode: AccountMode.BY_MARKET,
        },
      });
      core.send(session, { case: "accountUpdate", value: this.#accountUpdate(account) });
      for (const marketId of account.positions.keys()) {
        core.send(session, {
          case: "accountPosition",
          value: this.#accountPosition(account, marketId),
        });
      }
    }
  }

  #accountUpdate(account: SimAccount) {
    let rpl = 0;
    for (const position of account.positions.values()) rpl += position.rpl;
    return {
      accountId: account.accountId,
      status: AccountStatus.OK,
      balance: account.balance + rpl,
      rpl,
    };
  }

  #accountPosition(account: SimAccount, marketId: string) {
    const p = account.positions.get(marketId)!;
    const book = this.#core.books.get(marketId)!;
    return {
      accountId: account.accountId,
      exchangeId: book.market.exchangeId,
      contractId: book.market.contractId,
      marketId,
      buys: p.buys,
      sells: p.sells,
      dayBuys: p.buys,
      daySells: p.sells,
      workingBuys: p.workingBuys,
      workingSells: p.workingSells,
      rpl: p.rpl,
      totalOpenVolume: Math.abs(p.net),
      ...(p.net === 0 ? {} : { averageOpenPrice: { value: book.price(p.avgTicks) } }),
    };
  }

  /**
   * The position of an account in a market, created flat when missing.
   *
   * @param account The account.
   * @param marketId The market.
   * @returns The (mutable) position.
   */
  position(account: SimAccount, marketId: string): SimPosition {
    let p = account.positions.get(marketId);
    if (p === undefined) {
      p = { buys: 0, sells: 0, workingBuys: 0, workingSells: 0, net: 0, avgTicks: 0, rpl: 0 };
      account.positions.set(marketId, p);
    }
    return p;
  }

  /**
   * Sends an account's position in a market and its balance to every session subscribed to it.
   *
   * @param account The account.
   * @param marketId The market whose position changed.
   */
  publish(account: SimAccount, marketId: string): void {
    const core = this.#core;
    for (const session of core.sessions.values()) {
      if (!session.accounts.has(account.accountId)) continue;
      core.send(session, {
        case: "accountPosition",
        value: this.#accountPosition(account, marketId),
      });
      core.send(session, { case: "accountUpdate", value: this.#accountUpdate(account) });
    }
  }
}
