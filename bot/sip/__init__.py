"""The SIP gateway: the protocol core (RFC 3261 over UDP, SDP, RTP, RFC 4733 keys) and calls.

One job per module:

- `message`: parse and serialize SIP requests and responses;
- `header_values`: the values in their headers: URIs, name-addr, Via, CSeq, parameters;
- `sdp`: SDP parsing and the offer/answer choice of codec (RFC 4566, RFC 3264);
- `rtp`: RTP packets, the outgoing stream state and a small jitter buffer (RFC 3550);
- `telephone_events`: keys from RFC 4733 telephone-events and from SIP INFO bodies;
- `transaction`: server transactions and their retransmission timers (RFC 3261 section 17);
- `caller_id`: the caller's number in E.164 from P-Asserted-Identity or From;
- `peers`: which peers are trusted (caller ID believed, per-source limits waived);
- `limits`: per-source request rate and concurrent calls;
- `options`: what we allow and accept, and the answer to OPTIONS;
- `transport`: the asyncio UDP endpoint.

The call layer on top (the gateway that answers calls):

- `gateway`: routes requests to calls: INVITE, CANCEL, ACK, BYE, INFO, NOTIFY, re-INVITE;
- `dialog`: a call's dialog state and the requests we send in it;
- `client`: our own requests (BYE, REFER) as client transactions;
- `call`: one call (dialog, media, voice session); the session's `CallOutput`;
- `media`: the call's RTP: paced G.711 output, jitter-buffered input, RFC 4733 keys;
- `latch`: whose RTP a call takes (the latched media peer, never a third party);
- `refer`: transfer by REFER and the NOTIFY sipfrag;
- `call_log`: one log line per call;
- `config`: BOT_SIP_* settings (`bot sip` itself is composed in `bot.ops.phone_service`).

Nothing here logs message bodies or keys: a SIP INFO body or a telephone-event carries the
digits of a PIN.
"""
