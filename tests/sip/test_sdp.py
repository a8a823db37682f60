from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.sip.message import parse_message
from bot.sip.sdp import SdpError, build_answer, parse_sdp
from tests.sip.mutations import mutate

DATA = Path(__file__).parent / "data"

# Written after the shape of a Linphone desktop offer: many codecs, telephone-event at three
# clock rates, RTCP feedback attributes, and a video stream.
LINPHONE_LIKE_OFFER = b"""v=0\r
o=alice 2210 1042 IN IP4 192.0.2.20\r
s=Talk\r
c=IN IP4 192.0.2.20\r
t=0 0\r
a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r
m=audio 7078 RTP/AVP 96 97 98 9 0 8 18 101 99 100\r
a=rtpmap:96 opus/48000/2\r
a=fmtp:96 useinbandfec=1\r
a=rtpmap:97 speex/16000\r
a=fmtp:97 vbr=on\r
a=rtpmap:98 speex/8000\r
a=rtpmap:9 G722/8000\r
a=rtpmap:18 G729/8000\r
a=fmtp:18 annexb=yes\r
a=rtpmap:101 telephone-event/48000\r
a=rtpmap:99 telephone-event/16000\r
a=rtpmap:100 telephone-event/8000\r
a=rtcp-fb:* trr-int 1000\r
a=rtcp-fb:* ccm tmmbr\r
m=video 9078 RTP/AVP 102 103\r
a=rtpmap:102 VP8/90000\r
a=rtpmap:103 H264/90000\r
a=fmtp:103 profile-level-id=42801F\r
"""


def offer_from(name: str) -> bytes:
    return parse_message((DATA / name).read_bytes()).body


def answer_for(offer: bytes, **options: object):
    return build_answer(
        parse_sdp(offer),
        address="127.0.0.1",
        port=40000,
        session_id=7,
        session_version=1,
        **options,  # type: ignore[arg-type]
    )


def test_baresip_offer_gets_our_preferred_codec_and_telephone_event() -> None:
    answer = answer_for(offer_from("baresip_invite.sip"))
    assert answer is not None
    audio = answer.audio
    assert (audio.codec, audio.payload_type) == ("PCMA", 8)  # our order, though PCMU is first
    assert audio.telephone_event_payload_type == 101
    assert (audio.remote_address, audio.remote_port) == ("127.0.0.1", 10128)
    assert audio.direction == "sendrecv" and audio.may_send
    assert audio.remote_ptime == 20

    text = answer.sdp.to_bytes().decode()
    assert text.startswith(
        "v=0\r\no=- 7 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    )
    assert "m=audio 40000 RTP/AVP 8 101\r\n" in text
    assert "a=rtpmap:8 PCMA/8000\r\n" in text
    assert "a=rtpmap:101 telephone-event/8000\r\n" in text
    assert "a=fmtp:101 0-15\r\n" in text
    assert "a=ptime:20\r\n" in text and text.endswith("a=sendrecv\r\n")
    reparsed = parse_sdp(answer.sdp.to_bytes())
    assert [media.port for media in reparsed.media] == [40000]


def test_preference_order_is_ours() -> None:
    answer = answer_for(offer_from("baresip_invite.sip"), codecs=("PCMU", "PCMA"))
    assert answer is not None and answer.audio.payload_type == 0
    with pytest.raises(ValueError, match="unsupported codecs"):
        answer_for(offer_from("baresip_invite.sip"), codecs=("G722",))


def test_sipp_default_uac_offers_pcmu_only() -> None:
    answer = answer_for(offer_from("sipp_uac_invite.sip"))
    assert answer is not None
    assert (answer.audio.codec, answer.audio.payload_type) == ("PCMU", 0)
    assert answer.audio.telephone_event_payload_type is None
    assert (answer.audio.remote_address, answer.audio.remote_port) == ("127.0.0.1", 6000)
    assert "m=audio 40000 RTP/AVP 0\r\n" in answer.sdp.to_bytes().decode()
    assert "telephone-event" not in answer.sdp.to_bytes().decode()


def test_sipp_pcap_uac_offers_pcma_and_telephone_event() -> None:
    answer = answer_for(offer_from("sipp_uac_pcap_invite.sip"))
    assert answer is not None
    assert (answer.audio.codec, answer.audio.telephone_event_payload_type) == ("PCMA", 101)


def test_linphone_like_offer_keeps_the_8khz_telephone_event_and_rejects_video() -> None:
    answer = answer_for(LINPHONE_LIKE_OFFER)
    assert answer is not None
    assert (answer.audio.codec, answer.audio.payload_type) == ("PCMA", 8)
    assert answer.audio.telephone_event_payload_type == 100
    assert (answer.audio.remote_address, answer.audio.remote_port) == ("192.0.2.20", 7078)
    media = parse_sdp(answer.sdp.to_bytes()).media
    assert [(m.media, m.port) for m in media] == [("audio", 40000), ("video", 0)]
    assert media[0].formats == ["8", "100"]
    assert media[1].formats == ["102", "103"]  # a rejected stream still lists its formats


def test_no_common_codec_means_no_answer() -> None:
    offer = LINPHONE_LIKE_OFFER.replace(b" 9 0 8 18 ", b" 9 18 ")
    assert answer_for(offer) is None
    srtp_only = offer_from("baresip_invite.sip").replace(b"RTP/AVP", b"RTP/SAVP")
    assert answer_for(srtp_only) is None


def test_dynamic_payload_type_for_g711_is_kept() -> None:
    offer = (
        b"v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n"
        b"m=audio 5004 RTP/AVP 96 97\r\na=rtpmap:96 PCMU/8000\r\n"
        b"a=rtpmap:97 TELEPHONE-EVENT/8000\r\n"
    )
    answer = answer_for(offer)
    assert answer is not None
    assert (answer.audio.codec, answer.audio.payload_type) == ("PCMU", 96)
    assert answer.audio.telephone_event_payload_type == 97
    assert "a=rtpmap:96 PCMU/8000" in answer.sdp.to_bytes().decode()


@pytest.mark.parametrize(
    ("attribute", "ours"),
    [
        ("sendrecv", "sendrecv"),
        ("sendonly", "recvonly"),
        ("recvonly", "sendonly"),
        ("inactive", "inactive"),
    ],
)
def test_direction_is_mirrored(attribute: str, ours: str) -> None:
    offer = offer_from("baresip_invite.sip").replace(b"a=sendrecv", f"a={attribute}".encode())
    answer = answer_for(offer)
    assert answer is not None and answer.audio.direction == ours
    assert f"a={ours}\r\n" in answer.sdp.to_bytes().decode()
    assert answer.audio.may_send == (ours in ("sendrecv", "sendonly"))


def test_session_level_direction_and_old_style_hold() -> None:
    base = offer_from("sipp_uac_invite.sip")
    session_sendonly = base.replace(b"t=0 0\r\n", b"t=0 0\r\na=sendonly\r\n")
    answer = answer_for(session_sendonly)
    assert answer is not None and answer.audio.direction == "recvonly"
    held = answer_for(base.replace(b"c=IN IP4 127.0.0.1", b"c=IN IP4 0.0.0.0"))
    assert held is not None and held.audio.direction == "sendrecv" and not held.audio.may_send


def test_only_the_first_usable_audio_stream_is_accepted() -> None:
    offer = (
        b"v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nt=0 0\r\n"
        b"m=audio 0 RTP/AVP 0\r\nc=IN IP4 192.0.2.5\r\n"
        b"m=audio 5004 RTP/AVP 0\r\nc=IN IP4 192.0.2.6\r\n"
        b"m=audio 5006 RTP/AVP 8\r\nc=IN IP4 192.0.2.7\r\n"
    )
    answer = answer_for(offer)
    assert answer is not None
    assert answer.audio.remote_address == "192.0.2.6"  # media-level c= line
    assert [m.port for m in answer.sdp.media] == [0, 40000, 0]


def test_ipv6_answer() -> None:
    answer = build_answer(
        parse_sdp(offer_from("sipp_uac_invite.sip")),
        address="::1",
        port=4000,
        session_id=1,
        session_version=2,
    )
    assert answer is not None
    assert "c=IN IP6 ::1\r\n" in answer.sdp.to_bytes().decode()


@pytest.mark.parametrize(
    "offer",
    [
        b"",
        b"o=- 1 1 IN IP4 h\r\n",
        b"v=0\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nm=audio 1 RTP/AVP 0\r\n",
        b"v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 1 RTP/AVP 0\r\n",
        b"v=0\r\no=- 1 1 IN IP4 h\r\nc=IN IP4 192.0.2.1\r\nm=audio x RTP/AVP 0\r\n",
        b"v=0\r\no=- 1 1 IN IP4 h\r\nc=IN IP4 192.0.2.1\r\nm=audio 70000 RTP/AVP 0\r\n",
        b"v=0\r\no=- 1 1 IN IP4 h\r\nc=IN IP4 host.example\r\nm=audio 1 RTP/AVP 0\r\n",
        b"v=0\r\no=- 1 1 IN IP4 h\r\nc=IN IP4 192.0.2.1\r\nnonsense\r\n",
        b"v=0\r\no=- 1 1 IN IP4 h\r\n\xff\r\n",
    ],
)
def test_malformed_sdp_is_rejected(offer: bytes) -> None:
    with pytest.raises(SdpError):
        parse_sdp(offer)


def test_mutated_offers_raise_only_sdp_error_and_answers_never_fail() -> None:
    rng = random.Random(3264)
    seeds = [LINPHONE_LIKE_OFFER, offer_from("baresip_invite.sip")]
    answered = 0
    for index in range(2000):
        data = mutate(seeds[index % 2], rng)
        try:
            offer = parse_sdp(data)
        except SdpError:
            continue
        answer = build_answer(
            offer, address="127.0.0.1", port=4000, session_id=1, session_version=1
        )
        if answer is not None:
            answered += 1
            assert len(answer.sdp.media) == len(offer.media)
            parse_sdp(answer.sdp.to_bytes())
    assert answered > 200
