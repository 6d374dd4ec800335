/**
 * FSM events, named after RFC 4271 §8.1 (numbers in §8.1.2-§8.1.5 beside each), plus
 * SendHoldTimer_Expires (RFC 9687 §3, Event 29) and three local events the driver reports
 * (RouteRefreshMsg, UpdateSent, SendProgress) that RFC 4271 leaves to the implementation.
 *
 * Message events carry the decoded message; malformed-message events carry the BgpError whose
 * (code, subcode, data) the FSM sends as the NOTIFICATION (RFC 4271 §6).
 */
import type { BgpError } from '../wire/errors.js'
import type { Notification, Open, RouteRefresh, Update } from '../wire/types.js'

/** What an operator or the speaker supplies with a stop (RFC 4486 subcodes, RFC 9003 text, RFC 8538). */
export interface StopOptions {
  /** Cease subcode (RFC 4486 §4); default Administrative Shutdown (2). */
  subcode?: number
  /** RFC 9003 Shutdown Communication; used with Administrative Shutdown (2) / Reset (4) only. */
  reason?: string
  /** Data for other subcodes, e.g. RFC 4486 §4 Maximum Number of Prefixes Reached: AFI, SAFI, upper bound. */
  data?: Uint8Array
  /**
   * RFC 8538: wrap the Cease in Cease / Hard Reset (only when the N bit was exchanged) so the peer
   * drops our routes instead of keeping them stale. Default: true for subcodes 1-3, false otherwise.
   */
  hardReset?: boolean
}

export type FsmEvent =
  // ---- §8.1.2 administrative events
  | { type: 'ManualStart' } // 1
  | ({ type: 'ManualStop' } & StopOptions) // 2
  | { type: 'AutomaticStart' } // 3
  | { type: 'ManualStart_with_PassiveTcpEstablishment' } // 4
  | { type: 'AutomaticStart_with_PassiveTcpEstablishment' } // 5
  | { type: 'AutomaticStart_with_DampPeerOscillations' } // 6
  | { type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment' } // 7
  | ({ type: 'AutomaticStop' } & StopOptions) // 8
  // ---- §8.1.3 timer events
  | { type: 'ConnectRetryTimer_Expires' } // 9
  | { type: 'HoldTimer_Expires' } // 10
  | { type: 'KeepaliveTimer_Expires' } // 11
  | { type: 'DelayOpenTimer_Expires' } // 12
  | { type: 'IdleHoldTimer_Expires' } // 13
  // ---- §8.1.4 TCP connection-based events
  | { type: 'TcpConnection_Valid' } // 14
  | { type: 'Tcp_CR_Invalid' } // 15
  | { type: 'Tcp_CR_Acked' } // 16
  | { type: 'TcpConnectionConfirmed' } // 17
  | { type: 'TcpConnectionFails'; reason?: string } // 18
  // ---- §8.1.5 BGP message-based events
  | { type: 'BGPOpen'; open: Open } // 19
  | { type: 'BGPOpen_with_DelayOpenTimer_running'; open: Open } // 20
  | { type: 'BGPHeaderErr'; error: BgpError } // 21
  | { type: 'BGPOpenMsgErr'; error: BgpError } // 22
  | { type: 'OpenCollisionDump' } // 23
  | { type: 'NotifMsgVerErr'; notification: Notification } // 24
  | { type: 'NotifMsg'; notification: Notification } // 25
  | { type: 'KeepAliveMsg' } // 26
  | { type: 'UpdateMsg'; update: Update } // 27
  | { type: 'UpdateMsgErr'; error: BgpError } // 28
  // ---- RFC 9687 §3
  | { type: 'SendHoldTimer_Expires' } // 29
  // ---- local events (no RFC number)
  /** A ROUTE-REFRESH (RFC 2918) received; valid in Established only. */
  | { type: 'RouteRefreshMsg'; message: RouteRefresh }
  /** We sent an UPDATE: §8.2.2 "Each time the local system sends a KEEPALIVE or UPDATE message, it restarts its KeepaliveTimer". */
  | { type: 'UpdateSent' }
  /** The transport wrote queued bytes to the socket (RFC 9687: the peer is reading); restarts the SendHoldTimer. */
  | { type: 'SendProgress' }

export type FsmEventType = FsmEvent['type']

/** RFC 4271 §8.1 event numbers (RFC 9687 for 29); 0 for local events. For logs and management (§8.2.1.4). */
export const FsmEventNumber: Record<FsmEventType, number> = {
  ManualStart: 1,
  ManualStop: 2,
  AutomaticStart: 3,
  ManualStart_with_PassiveTcpEstablishment: 4,
  AutomaticStart_with_PassiveTcpEstablishment: 5,
  AutomaticStart_with_DampPeerOscillations: 6,
  AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment: 7,
  AutomaticStop: 8,
  ConnectRetryTimer_Expires: 9,
  HoldTimer_Expires: 10,
  KeepaliveTimer_Expires: 11,
  DelayOpenTimer_Expires: 12,
  IdleHoldTimer_Expires: 13,
  TcpConnection_Valid: 14,
  Tcp_CR_Invalid: 15,
  Tcp_CR_Acked: 16,
  TcpConnectionConfirmed: 17,
  TcpConnectionFails: 18,
  BGPOpen: 19,
  BGPOpen_with_DelayOpenTimer_running: 20,
  BGPHeaderErr: 21,
  BGPOpenMsgErr: 22,
  OpenCollisionDump: 23,
  NotifMsgVerErr: 24,
  NotifMsg: 25,
  KeepAliveMsg: 26,
  UpdateMsg: 27,
  UpdateMsgErr: 28,
  SendHoldTimer_Expires: 29,
  RouteRefreshMsg: 0,
  UpdateSent: 0,
  SendProgress: 0,
}

