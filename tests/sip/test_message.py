from __future__ import annotations

from pathlib import Path

import pytest

from bot.sip.header_values import SipParseError, parse_cseq, parse_name_addr, parse_uri, parse_via
from bot.sip.message import (
    Headers,
    SipRequest,
    SipResponse,
    build_response,
    parse_message,
    salvage_request,
    split_values,
)

DATA = Path(__file__).parent / "data"


def message(*lines: str, body: str = "") -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def options(*extra: str, without: tuple[str, ...] = ()) -> bytes:
    headers = {
        "Via": "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKabc123;rport",
        "Max-Forwards": "70",
        "From": '"Alice" <sip:+355691234567@carrier.example>;tag=a1',
        "To": "<sip:bank@gateway.example>",
        "Call-ID": "call-1@192.0.2.10",
        "CSeq": "7 OPTIONS",
    }
    lines = [f"{name}: {value}" for name, value in headers.items() if name not in without]
    return message("OPTIONS sip:bank@gateway.example SIP/2.0", *lines, *extra)


def test_real_invites_parse_with_their_sdp_bodies() -> None:
    baresip = parse_message((DATA / "baresip_invite.sip").read_bytes())
    assert isinstance(baresip, SipRequest)
    assert baresip.method == "INVITE"
    assert baresip.request_uri.user == "bank"
    assert baresip.request_uri.port == 25062
    assert baresip.from_address.tag == "55dcff4325311abd"
    assert baresip.to_address.tag is None
    assert baresip.cseq.number == 3079 and baresip.cseq.method == "INVITE"
    assert baresip.top_via.branch == "z9hG4bKffcfb5bec3cf4ab7"
    assert "rport" in baresip.top_via.params
    assert baresip.headers.get("Supported") == ""  # baresip sends an empty Supported
    assert baresip.headers.values("Allow")[:3] == ["INVITE", "ACK", "BYE"]
    assert baresip.content_type == "application/sdp"
    assert len(baresip.body) == 337 and baresip.body.startswith(b"v=0\r\n")

    sipp = parse_message((DATA / "sipp_uac_invite.sip").read_bytes())
    assert isinstance(sipp, SipRequest)
    assert sipp.from_address.display_name == "sipp"
    assert sipp.from_address.uri.port == 25070
    assert sipp.headers.get("Content-Length") == "129"  # "Content-Length:   129"
    assert sipp.body.endswith(b"a=rtpmap:0 PCMU/8000\r\n")


def test_compact_header_names_and_any_case() -> None:
    data = message(
        "INVITE sip:bank@gateway.example SIP/2.0",
        "v: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1",
        "max-forwards: 70",
        "f: <sip:+355691234567@carrier.example>;tag=x",
        "t: <sip:bank@gateway.example>",
        "i: compact@192.0.2.10",
        "CSEQ: 1 INVITE",
        "m: <sip:caller@192.0.2.10>",
        "k: timer",
        "s: hello",
        "c: application/sdp",
        "l: 4",
        body="v=0\r\n",
    )
    request = parse_message(data)
    assert request.call_id == "compact@192.0.2.10"
    assert request.headers.get("Contact") == "<sip:caller@192.0.2.10>"
    assert request.headers.get("SUPPORTED") == "timer"
    assert request.headers.get("subject") == "hello"
    assert request.content_type == "application/sdp"
    assert request.body == b"v=0\r"  # l: 4 frames the body
    assert "call-id" in request.headers and "I" in request.headers


def test_via_values_from_commas_and_several_lines_keep_their_order() -> None:
    data = message(
        "BYE sip:bank@gateway.example SIP/2.0",
        "Via: SIP/2.0/UDP proxy1.example;branch=z9hG4bKp1, SIP/2.0/UDP proxy2.example:5070"
        ";branch=z9hG4bKp2",
        "v: SIP / 2.0 / udp 192.0.2.10:5062;branch=z9hG4bKc;received=198.51.100.7",
        "Max-Forwards: 68",
        "From: <sip:+355691234567@carrier.example>;tag=x",
        "To: <sip:bank@gateway.example>;tag=y",
        "Call-ID: c@h",
        "CSeq: 2 BYE",
    )
    request = parse_message(data)
    vias = request.vias
    assert [via.host for via in vias] == ["proxy1.example", "proxy2.example", "192.0.2.10"]
    assert vias[1].port == 5070 and vias[2].transport == "UDP"
    assert vias[2].params["received"] == "198.51.100.7"
    response = build_response(request, 200)
    assert response.headers.get_all("Via") == request.headers.get_all("Via")
    reparsed = parse_message(response.to_bytes())
    assert [via.branch for via in reparsed.vias] == ["z9hG4bKp1", "z9hG4bKp2", "z9hG4bKc"]


def test_folded_header_lines_are_joined() -> None:
    data = options("Subject: a long\r\n   subject line\r\n\tcontinued")
    request = parse_message(data.replace(b"To: <sip", b"To:\r\n <sip"))
    assert request.headers.get("Subject") == "a long subject line continued"
    assert request.to_address.uri.user == "bank"


def test_bare_lf_line_endings_are_tolerated() -> None:
    request = parse_message(options().replace(b"\r\n", b"\n"))
    assert request.call_id == "call-1@192.0.2.10"


def test_body_is_framed_by_content_length() -> None:
    data = options("Content-Type: application/dtmf-relay", "Content-Length: 10")
    with_extra = parse_message(data + b"Signal=5\r\nDuration=160\r\n")
    assert with_extra.body == b"Signal=5\r\n"  # bytes beyond Content-Length are discarded
    with pytest.raises(SipParseError, match="shorter than Content-Length"):
        parse_message(data + b"Sig")
    without_length = parse_message(options() + b"Signal=5\r\n")
    assert without_length.body == b"Signal=5\r\n"  # UDP: the body runs to the datagram's end


@pytest.mark.parametrize(
    "extra",
    [
        ("Content-Length: 12abc",),
        ("Content-Length: -1",),
        ("Content-Length: 1", "l: 2"),
    ],
)
def test_bad_content_length_is_rejected(extra: tuple[str, ...]) -> None:
    with pytest.raises(SipParseError):
        parse_message(options(*extra) + b"xy")


@pytest.mark.parametrize("header", ["Via", "From", "To", "Call-ID", "CSeq", "Max-Forwards"])
def test_request_without_a_mandatory_header_is_rejected(header: str) -> None:
    with pytest.raises(SipParseError, match=f"missing {header}") as caught:
        parse_message(options(without=(header,)))
    assert caught.value.status == 400


def test_response_needs_no_max_forwards() -> None:
    data = message(
        "SIP/2.0 180 Ringing",
        "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKabc123",
        "From: <sip:a@b>;tag=1",
        "To: <sip:c@d>;tag=2",
        "Call-ID: x",
        "CSeq: 1 INVITE",
    )
    response = parse_message(data)
    assert isinstance(response, SipResponse)
    assert (response.status, response.reason) == (180, "Ringing")
    no_reason = parse_message(data.replace(b"180 Ringing", b"183"))
    assert isinstance(no_reason, SipResponse) and no_reason.reason == ""
    with pytest.raises(SipParseError, match="missing Call-ID"):
        parse_message(data.replace(b"Call-ID: x\r\n", b""))


@pytest.mark.parametrize(
    "cseq",
    ["OPTIONS", "abc OPTIONS", "7", "7 INVITE", "2147483648 OPTIONS", "1 OPTIONS extra"],
)
def test_bad_cseq_is_rejected(cseq: str) -> None:
    with pytest.raises(SipParseError, match="CSeq"):
        parse_message(
            options(without=("CSeq",)).replace(b"\r\n\r\n", f"\r\nCSeq: {cseq}\r\n\r\n".encode())
        )


@pytest.mark.parametrize(
    "start_line",
    [
        "OPTIONS sip:bank@gateway.example",
        "OPTIONS  sip:bank@gateway.example SIP/2.0",
        "OPTIONS sip:bank@gateway.example HTTP/1.1",
        "OPT(IONS sip:bank@gateway.example SIP/2.0",
        "OPTIONS bank@gateway.example SIP/2.0",
        "OPTIONS sip:bank@gate_way..example SIP/2.0",
        "SIP/2.0 99 Too Low",
        "SIP/2.0 OK",
        "",
    ],
)
def test_bad_start_line_is_rejected(start_line: str) -> None:
    data = options().replace(b"OPTIONS sip:bank@gateway.example SIP/2.0", start_line.encode())
    with pytest.raises(SipParseError):
        parse_message(data)


def test_other_sip_version_and_uri_scheme_get_their_own_status() -> None:
    with pytest.raises(SipParseError) as version:
        parse_message(options().replace(b"SIP/2.0\r\n", b"SIP/3.0\r\n", 1))
    assert version.value.status == 505
    with pytest.raises(SipParseError) as scheme:
        parse_message(options().replace(b"OPTIONS sip:bank", b"OPTIONS urn:bank", 1))
    assert scheme.value.status == 416


def test_control_characters_and_non_utf8_headers_are_rejected() -> None:
    with pytest.raises(SipParseError):
        parse_message(options("Subject: a\x00b"))
    with pytest.raises(SipParseError):
        parse_message(options("Subject: a\rb"))
    with pytest.raises(SipParseError, match="UTF-8"):
        parse_message(options().replace(b"call-1", b"call-\xff"))


def test_name_addr_with_quoted_display_name_uri_params_and_tag() -> None:
    address = parse_name_addr(
        r'"Doe, John \"JD\"" <sip:+355691234567@carrier.example:5061;user=phone>;tag=x9;foo'
    )
    assert address.display_name == 'Doe, John "JD"'
    assert address.uri.scheme == "sip"
    assert address.uri.user == "+355691234567"
    assert address.uri.host == "carrier.example" and address.uri.port == 5061
    assert address.uri.params == {"user": "phone"}
    assert address.tag == "x9"
    assert address.params["foo"] is None
    assert parse_name_addr(str(address)) == address


def test_name_addr_forms() -> None:
    unquoted = parse_name_addr("Anonymous <sip:anonymous@anonymous.invalid>;tag=1")
    assert unquoted.display_name == "Anonymous" and unquoted.uri.user == "anonymous"
    addr_spec = parse_name_addr("sip:alice@192.0.2.1;tag=abc")
    assert addr_spec.tag == "abc" and addr_spec.uri.params == {}  # params belong to the header
    tel = parse_name_addr("<tel:+355691234567;phone-context=+355>")
    assert tel.uri.scheme == "tel" and tel.uri.user == "+355691234567"
    assert tel.uri.params["phone-context"] == "+355"
    ipv6 = parse_name_addr("<sip:bank@[2001:db8::1]:5060>")
    assert ipv6.uri.host == "[2001:db8::1]" and ipv6.uri.port == 5060
    no_user = parse_name_addr("<sips:gateway.example>")
    assert no_user.uri.user is None and no_user.uri.scheme == "sips"
    for bad in [
        '"unterminated <sip:a@b>',
        "<sip:a@b",
        "sip:a@b, sip:c@d",
        "<sip:a@b> junk",
        "<mailto:a@b>",
        "<sip:a@b:99999>",
        "<sip:@b>",
        "",
    ]:
        with pytest.raises(SipParseError):
            parse_name_addr(bad)


def test_uri_round_trip() -> None:
    text = "sip:+355691234567:pw@carrier.example:5061;user=phone;lr?subject=x"
    uri = parse_uri(text)
    assert uri.password == "pw" and uri.headers == "subject=x"
    assert str(uri) == text


def test_via_and_cseq_parsing() -> None:
    via = parse_via("SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bKx;rport;received=2001:db8::9")
    assert via.host == "[2001:db8::9]" and via.port == 5062
    assert via.params["rport"] is None and via.sent_by == "[2001:db8::9]:5062"
    assert parse_cseq("  42   ACK ").number == 42
    for bad in ["SIP/2.0 host", "SIP/3.0/UDP host", "SIP/2.0/UDP", "SIP/2.0/UDP host;branch="]:
        with pytest.raises(SipParseError):
            parse_via(bad)


def test_split_values_respects_quotes_and_angle_brackets() -> None:
    value = '"Doe, John" <sip:a@b;x=1,2>;q=0.5, <sip:c@d>'
    assert split_values(value) == ['"Doe, John" <sip:a@b;x=1,2>;q=0.5', "<sip:c@d>"]


def test_build_response_copies_dialog_headers_and_adds_the_to_tag() -> None:
    request = parse_message(options("Timestamp: 54"))
    assert isinstance(request, SipRequest)
    ok = build_response(request, 200, to_tag="ourtag", headers=[("Allow", "INVITE, BYE")])
    assert ok.to_address.tag == "ourtag"
    assert ok.from_address == request.from_address
    assert ok.call_id == request.call_id and ok.cseq == request.cseq
    assert ok.headers.get("Timestamp") is None
    trying = build_response(request, 100)
    assert trying.to_address.tag is None and trying.headers.get("Timestamp") == "54"
    generated = build_response(request, 486)
    assert generated.to_address.tag and generated.reason == "Busy Here"

    wire = ok.to_bytes()
    assert wire.startswith(b"SIP/2.0 200 OK\r\n")
    assert wire.endswith(b"Content-Length: 0\r\n\r\n")
    reparsed = parse_message(wire)
    assert isinstance(reparsed, SipResponse) and reparsed.headers.get("Allow") == "INVITE, BYE"

    with_body = build_response(request, 200, body=b"v=0\r\n", content_type="application/sdp")
    assert parse_message(with_body.to_bytes()).body == b"v=0\r\n"


def test_to_tag_already_present_is_kept() -> None:
    data = options().replace(
        b"To: <sip:bank@gateway.example>", b"To: <sip:bank@gateway.example>;tag=old"
    )
    response = build_response(parse_message(data), 200, to_tag="new")  # type: ignore[arg-type]
    assert response.to_address.tag == "old"


def test_request_round_trips_through_to_bytes() -> None:
    original = parse_message((DATA / "baresip_invite.sip").read_bytes())
    again = parse_message(original.to_bytes())
    assert isinstance(original, SipRequest) and isinstance(again, SipRequest)
    assert (again.method, again.uri, again.body) == (original.method, original.uri, original.body)
    assert list(again.headers) == list(original.headers)


def test_headers_set_and_remove() -> None:
    headers = Headers([("Via", "a"), ("To", "t"), ("v", "b")])
    headers.set("VIA", "c")
    assert list(headers) == [("VIA", "c"), ("To", "t")]
    headers.remove("to")
    assert len(headers) == 1


def test_salvage_reads_start_line_and_via_of_a_malformed_request() -> None:
    salvaged = salvage_request(options(without=("Call-ID",)))
    assert salvaged is not None and salvaged.method == "OPTIONS"
    assert salvaged.top_via.branch == "z9hG4bKabc123"
    assert salvage_request(options(without=("Via",))) is None
    assert salvage_request(b"\x00\xff garbage") is None
    assert salvage_request(b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n") is None


def test_an_oversized_datagram_is_refused_with_513_before_parsing() -> None:
    from bot.sip.message import MAX_MESSAGE_BYTES

    data = b"OPTIONS sip:bank@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nX: "
    data += b"a" * MAX_MESSAGE_BYTES + b"\r\n\r\n"
    with pytest.raises(SipParseError) as raised:
        parse_message(data)
    assert raised.value.status == 513
    salvaged = salvage_request(data)
    assert salvaged is not None and salvaged.method == "OPTIONS"
