"""`bot ...` / `python -m bot ...`: the operator commands.

One small function per subcommand (`cmd_<group>_<name>(args) -> exit code`), registered in
`build_parser()`; each subparser stores its function as `handler`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.security.secret_keys import card_key


def cmd_db_init(args: argparse.Namespace) -> int:
    """Create the bank schema; optionally reset it and load the demo bank."""
    from bot.bank.db import DatabaseNotEmptyError, init_database

    settings = Settings.from_env()
    url = args.database_url or settings.database_url
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        report = init_database(
            url,
            demo=args.demo,
            reset=args.reset,
            card_key=card_key(settings),
            today=date.today(),
        )
    except DatabaseNotEmptyError:
        print(
            f"bot db init: {shown} already holds customers; add --reset to start again",
            file=sys.stderr,
        )
        return 1
    print(f"database ready: {shown} ({len(report.tables)} tables, {report.customers} customers)")
    return 0


def _add_db_commands(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser("db", help="the bank database")
    db_commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    init = db_commands.add_parser("init", help="create the schema (and the demo bank)")
    init.add_argument("--demo", action="store_true", help="load the demo bank")
    init.add_argument(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy URL (default: BOT_DATABASE_URL or sqlite:///var/bank.db)",
    )
    init.add_argument(
        "--reset", action="store_true", help="drop every bank table first (deletes the data)"
    )
    init.set_defaults(handler=cmd_db_init)


def cmd_run(args: argparse.Namespace) -> int:
    """Start every service with embedded defaults (first run: demo bank, trained model)."""
    from bot.ops.commands import run

    return run()


def cmd_chat(args: argparse.Namespace) -> int:
    """A text conversation with the assistant in this terminal."""
    from bot.ops.commands import chat

    return chat()


def cmd_talk(args: argparse.Namespace) -> int:
    """A voice call with the assistant: microphone and speaker, or recorded audio and keys."""
    import asyncio

    from bot.voice.local import talk_to

    rasa_url = getattr(args, "rasa_url", None)
    if rasa_url is not None:
        return asyncio.run(talk_to(rasa_url, args))
    from bot.ops.commands import assistant_for

    try:
        with assistant_for("bot talk") as url:
            return asyncio.run(talk_to(url, args))
    except KeyboardInterrupt:
        return 0


def _add_talk_command(commands: argparse._SubParsersAction) -> None:
    talk = commands.add_parser(
        "talk", help="talk to the assistant by voice (microphone, or --input recorded audio)"
    )
    talk.add_argument("--input", action="append", metavar="WAV",
                      help="the caller's recorded speech (repeat for several utterances)")
    talk.add_argument("--keys", metavar="KEYS",
                      help='keys pressed, one group per prompt: "1,1,2,4278301562188473"'
                           " (@ places the next --input)")
    talk.add_argument("--caller", metavar="E164", help="caller ID (default: withheld)")
    talk.add_argument("--output", metavar="WAV", help="write what the assistant said here")
    talk.add_argument("--rasa-url", metavar="URL",
                      help="the assistant to call (default: the one `bot run` serves, else one "
                           "started for this call on free ports)")
    talk.add_argument("--barge-in", action="store_true",
                      help="live: keep the microphone open while the assistant speaks")
    talk.set_defaults(handler=cmd_talk)


def cmd_train(args: argparse.Namespace) -> int:
    """Validate the data, then train what changed."""
    from bot.ops.commands import DataProblems, train

    try:
        train(force=args.force, full=args.full, check=True)
    except DataProblems as error:
        for problem in error.problems:
            print(f"data problem: {problem}", file=sys.stderr)
        return 1
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate the training data and domain (what `bot train` checks first)."""
    from bot.designer.validation import validate

    problems = validate()
    for problem in problems:
        print(f"data problem: {problem}", file=sys.stderr)
    print("data valid" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """NLU per language on the held-out examples, and the test stories; reports in reports/."""
    from pathlib import Path

    from bot.designer.evaluation import describe, evaluate_all, evaluate_stories, model_to_judge

    model = model_to_judge()
    out = Path(args.out)
    for scores in evaluate_all(model, out):
        print(describe(scores))
    import asyncio

    from bot.designer.evaluation import describe_held_out
    from bot.designer.held_out import held_out_report, load_agent

    for line in describe_held_out(asyncio.run(held_out_report(load_agent(model)))):
        print(line)
    if not args.nlu_only:
        passed, failed = evaluate_stories(model, out)
        print(f"test stories: {passed} passed, {failed} failed; report in {out / 'stories'}")
        return 1 if failed else 0
    return 0


def cmd_smtp_sink(args: argparse.Namespace) -> int:
    """Run the development SMTP server that saves every message as a file."""
    from pathlib import Path

    from bot.mail.sink import serve

    settings = Settings.from_env()
    serve(
        args.host, args.port or settings.smtp_port, Path(args.folder or settings.var_dir / "mail")
    )
    return 0


def _add_service_commands(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("run", help="start the assistant (all services)").set_defaults(
        handler=cmd_run
    )
    commands.add_parser("chat", help="chat with the assistant in this terminal").set_defaults(
        handler=cmd_chat
    )
    train = commands.add_parser("train", help="validate the data and train the model")
    train.add_argument("--full", action="store_true",
                       help="check everything (`bot validate`) first, even when only NLU examples "
                       "changed")
    train.add_argument("--force", action="store_true",
                       help="train everything from scratch, ignoring Rasa's cache")
    train.set_defaults(handler=cmd_train)
    commands.add_parser("validate", help="validate the training data").set_defaults(
        handler=cmd_validate
    )
    evaluate = commands.add_parser("evaluate", help="measure NLU per language and test stories")
    evaluate.add_argument("--out", default="reports", help="report folder (default: reports)")
    evaluate.add_argument("--nlu-only", action="store_true", help="skip the test stories")
    evaluate.set_defaults(handler=cmd_evaluate)
    sink = commands.add_parser("smtp-sink", help="development SMTP server saving mail to files")
    sink.add_argument("--host", default="127.0.0.1")
    sink.add_argument("--port", type=int, help="default: BOT_SMTP_PORT or 2525")
    sink.add_argument("--folder", help="default: var/mail")
    sink.set_defaults(handler=cmd_smtp_sink)


def cmd_webchat_screenshots(args: argparse.Namespace) -> int:
    """Start the assistant with a fresh demo bank and photograph the web chat page."""
    from pathlib import Path

    from bot.designer.screenshots import take_screenshots

    for path in take_screenshots(Path(args.out)):
        print(path)
    return 0


def _add_webchat_commands(commands: argparse._SubParsersAction) -> None:
    shots = commands.add_parser(
        "webchat-screenshots", help="screenshots of the web chat page at key moments, for review"
    )
    shots.add_argument(
        "--out", default="reports/screenshots", help="folder (default: reports/screenshots)"
    )
    shots.set_defaults(handler=cmd_webchat_screenshots)


def _conversations(args: argparse.Namespace) -> dict[str, list[dict]] | None:
    """The conversations since `--since` in the tracker store, or None (reported) if unreadable."""
    from bot.designer.conversations import TrackerStoreError, load_conversations, parse_since

    url = args.tracker_db or Settings.from_env().tracker_db_url
    try:
        return load_conversations(url, parse_since(args.since))
    except (TrackerStoreError, ValueError) as error:
        print(f"bot {args.command}: {error}", file=sys.stderr)
        return None


def cmd_export_conversations(args: argparse.Namespace) -> int:
    """Recent conversations from the tracker store as test stories or NLU examples, for review."""
    from pathlib import Path

    from bot.designer.review_export import export

    conversations = _conversations(args)
    if conversations is None:
        return 1
    written = export(conversations, Path(args.out), args.format)
    print(f"{len(conversations)} conversation(s) since {args.since} exported as {args.format}:")
    for path in written:
        print(f"  {path}")
    return 0


def cmd_low_confidence(args: argparse.Namespace) -> int:
    """Messages understood with low confidence or that the assistant fell back on."""
    from pathlib import Path

    from bot.designer.conversations import describe_turn, low_confidence
    from bot.designer.review_export import all_turns, nlu_yaml

    conversations = _conversations(args)
    if conversations is None:
        return 1
    doubtful = sorted(low_confidence(all_turns(conversations), args.threshold),
                      key=lambda turn: turn.timestamp)
    for turn in doubtful:
        print(describe_turn(turn))
    print(f"{len(doubtful)} message(s) below {args.threshold} or fallen back on, "
          f"in {len(conversations)} conversation(s) since {args.since}")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(nlu_yaml(doubtful), encoding="utf-8")
        print(f"NLU examples under their best-guess intents: {out}")
    return 0


def cmd_parity(args: argparse.Namespace) -> int:
    """Everything said or understood exists in Albanian and English."""
    from pathlib import Path

    from bot.designer.parity import check_project

    problems, counts = check_project(Path(args.project)) if args.project else check_project()
    checked = ", ".join(f"{count} {what}" for what, count in counts.items())
    for problem in problems:
        print(f"parity problem: {problem}", file=sys.stderr)
    verdict = f"{len(problems)} problem(s)" if problems else "sq and en match"
    print(f"checked {checked}: {verdict}")
    return 1 if problems else 0


def _add_designer_commands(commands: argparse._SubParsersAction) -> None:
    since_help = "how far back: 7d, 24h, 30m, 2w or an ISO date (default: 7d)"
    db_help = "tracker store SQLAlchemy URL (default: BOT_TRACKER_DB or sqlite:///var/tracker.db)"
    export = commands.add_parser(
        "export-conversations", help="recent conversations as test stories or NLU, for review")
    export.add_argument("--since", default="7d", help=since_help)
    export.add_argument("--out", default="reports/conversations",
                        help="folder (default: reports/conversations)")
    export.add_argument("--format", choices=["stories", "nlu"], default="stories")
    export.add_argument("--tracker-db", metavar="URL", help=db_help)
    export.set_defaults(handler=cmd_export_conversations)
    low = commands.add_parser(
        "low-confidence", help="messages understood with low confidence or fallen back on")
    low.add_argument("--threshold", type=float, default=0.6, help="intent confidence (0.6)")
    low.add_argument("--since", default="7d", help=since_help)
    low.add_argument("--out", help="also write them as NLU examples to this YAML file")
    low.add_argument("--tracker-db", metavar="URL", help=db_help)
    low.set_defaults(handler=cmd_low_confidence)
    parity = commands.add_parser(
        "parity", help="check that responses, menus and training data exist in sq and en")
    parity.add_argument("--project", metavar="FOLDER", help="another checkout (default: this one)")
    parity.set_defaults(handler=cmd_parity)


def cmd_sip(args: argparse.Namespace) -> int:
    """The SIP gateway: answers calls on UDP and talks to the assistant at --rasa-url."""
    from dataclasses import replace

    from bot.ops.phone_service import run
    from bot.sip.config import GatewayConfig

    config = GatewayConfig.from_env()
    config = replace(config, host=args.host or config.host, port=args.port or config.port)
    return run(config, args.rasa_url)


def _add_sip_commands(commands: argparse._SubParsersAction) -> None:
    sip = commands.add_parser("sip", help="SIP gateway: answer phone calls (UDP)")
    sip.add_argument("--rasa-url", help="default: BOT_RASA_URL or http://127.0.0.1:5005")
    sip.add_argument("--host", help="listen address (default: BOT_SIP_HOST or 127.0.0.1)")
    sip.add_argument("--port", type=int, help="listen port (default: BOT_SIP_PORT or 5060)")
    sip.set_defaults(handler=cmd_sip)


def cmd_agents_add(args: argparse.Namespace) -> int:
    """Add an agent desk account (or set a new password); the password never comes from argv."""
    import getpass

    from bot.agentdesk import accounts
    from bot.bank.contact_center import ContactCenter, ensure_desk_schema
    from bot.bank.db import make_engine, session_factory

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            print("bot agents add: the passwords differ", file=sys.stderr)
            return 1
    engine = make_engine(Settings.from_env().database_url)
    try:
        ensure_desk_schema(engine)
        accounts.add(ContactCenter(session_factory(engine)), args.name, password)
    except accounts.AccountError as error:
        print(f"bot agents add: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"agent {args.name} can sign in at /agent/")
    return 0


def _add_agents_commands(commands: argparse._SubParsersAction) -> None:
    agents = commands.add_parser("agents", help="agent desk accounts (/agent/)")
    agent_commands = agents.add_subparsers(dest="agents_command", metavar="COMMAND",
                                           required=True)
    add = agent_commands.add_parser("add", help="add an agent, or set a new password")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input")
    add.set_defaults(handler=cmd_agents_add)


def cmd_cluster_up(args: argparse.Namespace) -> int:
    """Start the scaled-out topology on loopback (deploy/, docs/deploy.md) and leave it running."""
    from bot.ops import cluster
    from bot.ops.stack import latest_model

    model = latest_model()
    if model is None:
        print("no trained model: run `bot train` first", file=sys.stderr)
        return 1
    try:
        plan = cluster.up(model, rasa_replicas=args.rasa, action_servers=args.actions,
                          sip_workers=args.workers)
    except cluster.ClusterError as error:
        print(f"bot cluster up: {error}", file=sys.stderr)
        return 1
    print(f"topology up in {plan.folder} (logs in {plan.folder / 'logs'}):")
    print(f"  web chat + REST (HAProxy): {plan.http_url}/webchat/")
    replicas = ", ".join(f"http://{plan.host}:{port}" for port in plan.rasa_ports)
    admin = ", ".join(plan.admin_networks) or f"nowhere (set {cluster.ADMIN_NETWORKS_ENV})"
    print(f"  Rasa API (token in cluster.json): {replicas}; through HAProxy from {admin}")
    print(f"  SIP (Kamailio): sip:bank@{plan.host}:{plan.sip_edge_port} (UDP), "
          f"port {plan.tls_edge_port} (TLS)")
    print("stop it with `bot cluster down`")
    return 0


def cmd_cluster_down(args: argparse.Namespace) -> int:
    """Stop the topology `bot cluster up` started and delete its folder."""
    from bot.ops import cluster

    folder = cluster.down()
    print(f"topology in {folder} stopped" if folder else "no topology is up")
    return 0


def cmd_cluster_units(args: argparse.Namespace) -> int:
    """Write the systemd units of the topology, filled for this checkout, into a folder."""
    from bot.ops.stack import latest_model
    from bot.ops.units import UnitValues, write_units

    model = latest_model()
    values = UnitValues(user=args.user, host=args.host, rasa_url=args.rasa_url,
                        web_origin=args.web_origin,
                        model=str(model) if model else "/srv/bank-assistant/model.tar.gz")
    for path in write_units(Path(args.out), values):
        print(path)
    print("install: copy the units to /etc/systemd/system/, the drop-in for kamailio, haproxy, "
          "redis-server and postgresql@15-main (docs/deploy.md), then `systemctl daemon-reload`")
    return 0


def _add_cluster_commands(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser(
        "cluster", help="the scaled-out topology on this machine (Kamailio, HAProxy, replicas)")
    cluster_commands = group.add_subparsers(dest="cluster_command", metavar="COMMAND",
                                            required=True)
    up = cluster_commands.add_parser("up", help="start it (PostgreSQL, Redis, Rasa replicas, "
                                                "action servers, SIP workers, the edges)")
    up.add_argument("--rasa", type=int, default=2, help="Rasa replicas (2)")
    up.add_argument("--actions", type=int, default=2, help="action servers (2)")
    up.add_argument("--workers", type=int, default=2, help="`bot sip` workers (2)")
    up.set_defaults(handler=cmd_cluster_up)
    cluster_commands.add_parser("down", help="stop it").set_defaults(handler=cmd_cluster_down)
    units = cluster_commands.add_parser(
        "units", help="write the systemd units for running it on real machines (deploy/systemd)")
    units.add_argument("--out", required=True, help="folder to write the units into")
    units.add_argument("--user", default="bank", help="the account the services run as")
    units.add_argument("--host", default="127.0.0.1",
                       help="the address this machine's services listen on")
    units.add_argument("--rasa-url", default="http://127.0.0.1:8080",
                       help="the HTTP edge, for the SIP workers")
    units.add_argument("--web-origin", default="https://chat.bank.example",
                       help="the web chat's origin (CORS)")
    units.set_defaults(handler=cmd_cluster_units)


def _add_fetch_models_command(commands: argparse._SubParsersAction) -> None:
    from bot.voice import fetch

    parser = commands.add_parser(
        "fetch-models", help="download official Vosk models (checksums verified)",
        description="Download official Vosk models from alphacephei.com, verify their SHA-256 "
                    "and unpack them. Without internet it says which files to copy where.")
    fetch.add_arguments(parser)
    parser.set_defaults(handler=fetch.run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot", description="Voice and chat assistant for the bank's customer line."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_db_commands(commands)
    _add_service_commands(commands)
    _add_talk_command(commands)
    _add_webchat_commands(commands)
    _add_sip_commands(commands)
    _add_cluster_commands(commands)
    _add_designer_commands(commands)
    _add_fetch_models_command(commands)
    _add_agents_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot.security.file_modes import owner_only_from_now

    owner_only_from_now()  # the database, keys, tracker store, logs and mail: 0600 / 0700
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
