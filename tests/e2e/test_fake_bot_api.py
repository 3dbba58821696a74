"""The local Bot API server answers PTB's real HTTP stack as Telegram would."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import telegram
from aiohttp import web
from telegram import (
    BotCommand,
    ChatMemberBanned,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
)
from telegram.request import HTTPXRequest

from fake_bot_api import (
    FakeChat,
    FakeUser,
    LocalBotApi,
    TelegramHtmlError,
    parse_telegram_html,
    utf16_length,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
AWA = FakeUser(1001, "Awa", username="awa_bamako")
MOUSSA = FakeUser(1002, "Moussa")


@pytest.fixture(autouse=True)
def _retry_after_as_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 deprecates an int ``retry_after``; opt in to the timedelta it will become."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def server() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi() as api:
        yield api


def make_bot(server: LocalBotApi) -> telegram.Bot:
    return telegram.Bot(
        server.token,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        request=HTTPXRequest(connection_pool_size=8),
        get_updates_request=HTTPXRequest(),
    )


@pytest.fixture
async def bot(server: LocalBotApi) -> AsyncIterator[telegram.Bot]:
    async with make_bot(server) as client:
        yield client


def telegram_message(description: str) -> str:
    """How PTB words a Bot API description in its exception."""
    return str(BadRequest(description))


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


# --- the pure HTML parser -------------------------------------------------------------------


def test_parser_gives_plain_text_and_utf16_entities() -> None:
    parsed = parse_telegram_html('😀 <b>Bamako</b> &amp; <a href="https://aes.ml">AES</a>')

    assert parsed.text == "😀 Bamako & AES"
    assert [(e.type, e.offset, e.length) for e in parsed.entities] == [
        ("bold", 3, 6),
        ("text_link", 12, 3),
    ]
    assert parsed.entities[1].url == "https://aes.ml"


def test_parser_reports_utf8_byte_offsets() -> None:
    with pytest.raises(TelegramHtmlError) as caught:
        parse_telegram_html("Médias <p>")

    assert caught.value.reason == 'Unsupported start tag "p" at byte offset 8'
    assert caught.value.description.startswith("Bad Request: can't parse entities: ")


def test_parser_strict_mode_refuses_bare_ampersand_that_telegram_would_keep() -> None:
    assert parse_telegram_html("Tom & Jerry", strict=False).text == "Tom & Jerry"
    with pytest.raises(TelegramHtmlError, match='Unescaped "&" at byte offset 4'):
        parse_telegram_html("Tom & Jerry")


def test_utf16_length_counts_surrogate_pairs() -> None:
    assert utf16_length("é") == 1
    assert utf16_length("😀") == 2
    assert utf16_length("Mali 🇲🇱") == 5 + 4


# --- sending messages -----------------------------------------------------------------------


async def test_get_me_describes_the_bot(bot: telegram.Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.username, me.is_bot) == (123456, "sahel_digest_bot", True)


async def test_send_message_returns_a_parsed_message(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    first = await bot.send_message(
        AWA.id, "<b>Sahel</b> &lt;3 <i>Niger</i>", parse_mode="HTML", reply_markup=keyboard("t:aes")
    )
    second = await bot.send_message(AWA.id, "suite")

    assert first.text == "Sahel <3 Niger"
    assert [(e.type, e.offset, e.length) for e in first.entities] == [
        (MessageEntity.BOLD, 0, 5),
        (MessageEntity.ITALIC, 9, 5),
    ]
    assert first.from_user is not None and first.from_user.id == server.bot_id
    assert first.chat.id == AWA.id
    assert first.reply_markup == keyboard("t:aes")
    assert second.message_id == first.message_id + 1
    recorded = server.sent_messages(AWA.id)[0]
    assert (recorded.text, recorded.raw_text, recorded.parse_mode) == (
        "Sahel <3 Niger",
        "<b>Sahel</b> &lt;3 <i>Niger</i>",
        "HTML",
    )
    assert recorded.buttons() == [("t:aes", "t:aes")]
    request = server.requests("sendMessage")[0]
    assert request.params["chat_id"] == AWA.id
    assert request.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "t:aes"


@pytest.mark.parametrize(
    ("html", "description"),
    [
        ("<p>Bamako</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<b>Bamako", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("prix < 100", 'Unsupported start tag "" at byte offset 5'),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
    ],
)
async def test_bad_html_is_refused_with_telegrams_words(
    server: LocalBotApi, bot: telegram.Bot, html: str, description: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(AWA.id, html, parse_mode="HTML")

    answered = server.requests("sendMessage")[-1]
    assert answered.status == 400
    assert answered.description is not None
    assert answered.description.startswith(f"Bad Request: can't parse entities: {description}")
    assert caught.value.message == telegram_message(answered.description)
    assert server.delivered_count() == 0


async def test_length_is_counted_in_utf16_units_after_parsing(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    # 1,000 emoji (2,000 units) in bold, 96 × "&amp;" (1 unit each), 2,000 letters: 4,096.
    body = "<b>" + "😀" * 1000 + "</b>" + "&amp;" * 96 + "a" * 2000

    accepted = await bot.send_message(AWA.id, f"  {body}\n", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(AWA.id, body + "a", parse_mode="HTML")

    assert accepted.text is not None and utf16_length(accepted.text) == 4096
    assert server.requests("sendMessage")[-1].description == "Bad Request: message is too long"


async def test_text_empty_after_parsing_is_refused(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(AWA.id, "<b> </b>\n", parse_mode="HTML")


async def test_callback_data_is_limited_to_64_utf8_bytes(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    await bot.send_message(AWA.id, "ok", reply_markup=keyboard("é" * 32))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(AWA.id, "trop long", reply_markup=keyboard("é" * 32 + "a"))

    assert server.requests()[-1].description == "Bad Request: BUTTON_DATA_INVALID"
    assert server.delivered_count(AWA.id) == 1


async def test_edit_keeps_history_and_refuses_identical_content(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    sent = await bot.send_message(AWA.id, "Page 1", reply_markup=keyboard("p:2"))

    edited = await bot.edit_message_text(
        "<b>Page 2</b>", AWA.id, sent.message_id, parse_mode="HTML", reply_markup=keyboard("p:1")
    )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>Page 2</b>",
            AWA.id,
            sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard("p:1"),
        )
    await bot.edit_message_reply_markup(AWA.id, sent.message_id, reply_markup=None)

    assert isinstance(edited, telegram.Message) and edited.edit_date is not None
    current = server.last_message(AWA.id)
    assert (current.text, current.reply_markup, current.edit_count) == ("Page 2", None, 2)
    assert [version.text for version in current.history] == ["Page 1", "Page 2"]
    assert server.delivered_count(AWA.id) == 1


async def test_delete_message_flags_it_and_refuses_a_second_time(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    sent = await bot.send_message(AWA.id, "éphémère")

    assert await bot.delete_message(AWA.id, sent.message_id) is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(AWA.id, sent.message_id)
    assert server.last_message(AWA.id).deleted


async def test_send_document_keeps_the_uploaded_bytes(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    message = await bot.send_document(
        AWA.id, b"titre;lien\n", filename="export.csv", caption="<b>Export</b>", parse_mode="HTML"
    )

    assert message.document is not None and message.document.file_name == "export.csv"
    assert message.caption == "Export"
    recorded = server.last_message(AWA.id)
    assert recorded.document is not None and recorded.document.content == b"titre;lien\n"
    assert "export.csv" in server.requests("sendDocument")[0].params["document"]


# --- chat faults ----------------------------------------------------------------------------


async def test_blocked_and_deactivated_users_are_forbidden(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    server.block_chat(AWA.id)
    server.deactivate_user(MOUSSA.id)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(AWA.id, "bonjour")
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(MOUSSA.id, "bonjour")
    server.unblock_chat(AWA.id)
    await bot.send_message(AWA.id, "de retour")

    assert server.delivered_count() == 1


async def test_chat_not_found_for_unknown_chats(server: LocalBotApi, bot: telegram.Bot) -> None:
    server.mark_chat_unknown(777)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(777, "x")

    server.restrict_to_known_chats()
    server.push_message(AWA, "/start")
    await bot.send_message(AWA.id, "connu")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(MOUSSA.id, "inconnu")


async def test_migrated_group_raises_chat_migrated(server: LocalBotApi, bot: telegram.Bot) -> None:
    group = server.new_group("Veille Sahel")
    new_id = server.migrate_group(group.id)

    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(group.id, "digest")
    await bot.send_message(new_id, "digest")

    assert caught.value.new_chat_id == new_id
    assert server.delivered_count(new_id) == 1


# --- flood limits ---------------------------------------------------------------------------


async def test_too_many_requests_carries_retry_after(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    server.set_rate_limit(1, retry_after=3)

    await bot.send_message(AWA.id, "un")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(AWA.id, "deux")

    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    assert server.rate_limited_count == 1
    assert server.requests()[-1].description == "Too Many Requests: retry after 3"


async def test_sliding_window_refuses_a_burst_but_not_a_paced_sender(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    server.set_rate_limit(10)
    burst = await asyncio.gather(
        *(bot.send_message(AWA.id, f"rafale {n}") for n in range(20)), return_exceptions=True
    )
    refused = [outcome for outcome in burst if isinstance(outcome, RetryAfter)]
    assert refused and server.rate_limited_count == len(refused)
    assert server.delivered_count() == 20 - len(refused) <= 10

    server.set_rate_limit(10)  # fresh windows, then 10 sends spaced by more than 1/10 s
    for n in range(10):
        await bot.send_message(MOUSSA.id, f"cadencé {n}")
        await asyncio.sleep(0.12)
    assert server.rate_limited_count == len(refused)
    assert server.delivered_count(MOUSSA.id) == 10


async def test_ptb_rate_limiter_burst_meets_the_strict_window(server: LocalBotApi) -> None:
    server.set_rate_limit(5)
    limiter = AIORateLimiter(overall_max_rate=5, overall_time_period=1, max_retries=0)
    async with ExtBot(
        server.token,
        base_url=server.base_url,
        request=HTTPXRequest(connection_pool_size=8),
        rate_limiter=limiter,
    ) as limited_bot:
        outcomes = await asyncio.gather(
            *(limited_bot.send_message(AWA.id, f"n{n}") for n in range(10)),
            return_exceptions=True,
        )

    assert any(isinstance(outcome, RetryAfter) for outcome in outcomes)
    assert server.rate_limited_count >= 1


async def test_per_private_chat_limit(server: LocalBotApi, bot: telegram.Bot) -> None:
    server.set_rate_limit(None, private_per_second=1)

    await bot.send_message(AWA.id, "un")
    with pytest.raises(RetryAfter):
        await bot.send_message(AWA.id, "deux")
    await bot.send_message(MOUSSA.id, "autre chat")

    assert server.stats()["rate_limited_by_chat"] == {str(AWA.id): 1}


# --- injected failures ----------------------------------------------------------------------


async def test_injected_5xx_raise_network_error_and_deliver_nothing(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    server.fail_next("sendMessage", 2, kind="502")

    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(AWA.id, "x")
    await bot.send_message(AWA.id, "passe")

    assert server.delivered_count(AWA.id) == 1
    assert server.injected_failure_count == 2
    assert [r.status for r in server.requests("sendMessage")] == [502, 502, 200]


async def test_seeded_random_failures_are_counted(server: LocalBotApi, bot: telegram.Bot) -> None:
    server.fail_randomly(0.5, kind="500", methods=["sendMessage"], seed=7)

    outcomes = [
        await asyncio.gather(bot.send_message(AWA.id, f"{n}"), return_exceptions=True)
        for n in range(20)
    ]
    failed = sum(isinstance(result[0], NetworkError) for result in outcomes)

    assert 0 < failed < 20
    assert server.injected_failure_count == failed
    assert server.delivered_count() == 20 - failed


async def test_timeout_before_processing_delivers_nothing(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    server.fail_next("sendMessage", kind="timeout_before")
    with pytest.raises(TimedOut):
        await bot.send_message(AWA.id, "perdu", read_timeout=0.3)

    await server.wait_for(lambda s: bool(s.requests("sendMessage")), what="the lost request")
    lost = server.requests("sendMessage")[0]
    assert (lost.fault, lost.client_gone) == ("timeout_before", True)
    assert server.delivered_count() == 0


async def test_timeout_after_processing_delivers_anyway(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    server.fail_next("sendMessage", kind="timeout_after")
    with pytest.raises(TimedOut):
        await bot.send_message(AWA.id, "livré quand même", read_timeout=0.3)

    assert server.delivered_count(AWA.id) == 1
    await server.wait_for(lambda s: bool(s.requests("sendMessage")), what="the late answer")
    assert server.requests("sendMessage")[0].client_gone


async def test_outage_refuses_connections_then_recovers_on_the_same_port(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    await bot.send_message(AWA.id, "avant")
    port = server.port

    await server.go_down()
    with pytest.raises(NetworkError):
        await bot.send_message(AWA.id, "pendant")
    await server.come_back()
    after = await bot.send_message(AWA.id, "après")

    assert server.port == port
    assert after.message_id == 2
    assert [m.text for m in server.sent_messages(AWA.id)] == ["avant", "après"]


# --- receiving updates ----------------------------------------------------------------------


async def test_long_poll_wakes_on_a_pushed_command(server: LocalBotApi, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await server.wait_for(lambda s: s.is_polling, what="the long poll")

    server.push_message(AWA, "/digest@sahel_digest_bot aes")
    updates = await poll

    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/digest@sahel_digest_bot aes"
    assert message.chat.type == "private" and message.chat.id == AWA.id
    command = message.entities[0]
    assert (command.type, command.offset, command.length) == ("bot_command", 0, 24)
    assert message.parse_entities([MessageEntity.BOT_COMMAND]) == {
        command: "/digest@sahel_digest_bot"
    }
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()


async def test_allowed_updates_filters_what_is_queued(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    sent = await bot.send_message(AWA.id, "menu", reply_markup=keyboard("t:aes"))
    await bot.get_updates(timeout=0, allowed_updates=["message"])

    server.push_callback(AWA, sent.message_id, "t:aes")
    server.push_message(AWA, "bonjour")
    updates = await bot.get_updates(timeout=0)

    assert [u.message.text for u in updates if u.message] == ["bonjour"]
    assert all(u.callback_query is None for u in updates)


async def test_group_messages_and_callbacks_parse_into_ptb_objects(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    group = server.new_group("Veille Sahel")
    sent = await bot.send_message(group.id, "Choisir :", reply_markup=keyboard("t:mali"))
    server.push_message(MOUSSA, "/start", chat=group)
    query_id = server.push_callback(MOUSSA, sent.message_id, "t:mali", chat=group)

    updates = await bot.get_updates(timeout=0)
    message, query = updates[0].message, updates[1].callback_query

    assert message is not None and message.chat.type == "group" and message.chat.id < 0
    assert query is not None and (query.id, query.data) == (query_id, "t:mali")
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await query.answer("C'est noté") is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    answer = server.callback_answer(query_id)
    assert answer is not None and answer.text == "C'est noté"


async def test_pushed_document_is_downloadable(server: LocalBotApi, bot: telegram.Bot) -> None:
    content = "Ségou,Niamey\n".encode()
    server.push_document(AWA, "villes.csv", content, caption="/import", mime_type="text/csv")

    (update,) = await bot.get_updates(timeout=0)
    document = update.message.document if update.message else None
    assert document is not None and document.file_name == "villes.csv"
    assert update.message is not None and update.message.caption == "/import"
    file = await bot.get_file(document.file_id)

    assert bytes(await file.download_as_bytearray()) == content
    assert file.file_size == len(content)


async def test_my_chat_member_kicked_blocks_the_chat(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    server.push_my_chat_member(AWA, "kicked")

    (update,) = await bot.get_updates(timeout=0)
    member_update = update.my_chat_member
    assert member_update is not None
    assert isinstance(member_update.new_chat_member, ChatMemberBanned)
    assert member_update.old_chat_member.status == "member"
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(AWA.id, "x")


async def test_overlapping_polls_conflict(server: LocalBotApi, bot: telegram.Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await server.wait_for(lambda s: s.is_polling, what="the first poll")
    async with make_bot(server) as second_instance:
        await second_instance.get_updates(timeout=0)

    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


async def test_webhook_delivery_with_secret_and_retry(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=500 if len(received) == 1 else 200)

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        server.push_message(AWA, "/start")
        await server.wait_for(lambda s: len(received) >= 2, what="a retried webhook delivery")
        info = await bot.get_webhook_info()
    finally:
        await runner.cleanup()

    assert [secret for secret, _ in received] == ["s3cret", "s3cret"]
    assert received[0][1] == received[1][1]
    assert received[1][1]["message"]["text"] == "/start"
    assert info.url.endswith("/hook") and info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


# --- bot settings and chat info -------------------------------------------------------------


async def test_set_my_commands_is_validated_per_scope_and_language(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    commands = [BotCommand("digest", "Le digest du jour"), BotCommand("themes", "Vos thèmes")]
    await bot.set_my_commands(commands, language_code="fr")

    assert await bot.get_my_commands(language_code="fr") == tuple(commands)
    assert await bot.get_my_commands() == ()
    assert [c["command"] for c in server.commands(language_code="fr")] == ["digest", "themes"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("résumé", "accent interdit")])
    with pytest.raises(BadRequest, match="Bot_command_description_invalid"):
        await bot.set_my_commands([BotCommand("vide", "")])
    with pytest.raises(BadRequest, match="Bot_commands_too_much"):
        await bot.set_my_commands([BotCommand(f"c{n}", "x") for n in range(101)])


async def test_group_admins_are_configurable(server: LocalBotApi, bot: telegram.Bot) -> None:
    group = server.new_group("Rédaction", supergroup=True)
    server.push_message(AWA, "bonjour", chat=group)
    server.set_chat_admins(group.id, [AWA.id])

    admins = await bot.get_chat_administrators(group.id)
    awa = await bot.get_chat_member(group.id, AWA.id)
    moussa = await bot.get_chat_member(group.id, MOUSSA.id)
    chat = await bot.get_chat(group.id)

    assert [admin.user.id for admin in admins] == [AWA.id]
    assert (awa.status, moussa.status) == ("administrator", "member")
    assert (chat.type, chat.title) == ("supergroup", "Rédaction")


async def test_unknown_method_and_wrong_token(server: LocalBotApi) -> None:
    async with httpx.AsyncClient() as client:
        unknown = await client.post(f"{server.base_url}{server.token}/sendTelepathy")
        wrong = await client.post(f"{server.base_url}654321:WRONG/getMe")

    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert (wrong.status_code, wrong.json()["description"]) == (401, "Unauthorized")
    with pytest.raises(InvalidToken):
        async with telegram.Bot("654321:WRONG", base_url=server.base_url):
            pass


async def test_failed_wait_describes_what_was_received(
    server: LocalBotApi, bot: telegram.Bot
) -> None:
    await bot.send_message(AWA.id, "seul message")

    with pytest.raises(AssertionError) as caught:
        await server.wait_for_messages(AWA.id, count=2, timeout=0.2)

    assert "2 message(s) to chat 1001" in str(caught.value)
    assert "'seul message'" in str(caught.value)
    assert "sendMessage -> 200" in str(caught.value)


async def test_push_callback_on_a_missing_message_is_a_test_error(server: LocalBotApi) -> None:
    with pytest.raises(LookupError):
        server.push_callback(AWA, 99, "t:aes")
    with pytest.raises(ValueError):
        FakeChat.group(5)


# --- standalone process ---------------------------------------------------------------------


async def test_standalone_process_prints_its_url_and_serves_control_endpoints() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fake_bot_api", "--port", "0", "--rate", "30",
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode().strip()
        async with httpx.AsyncClient(base_url=url) as control:
            configured = await control.post("/_control/configure", json={"blocked": [7]})
            async with telegram.Bot("123456:TEST-TOKEN", base_url=f"{url}/bot") as remote_bot:
                await remote_bot.send_message(AWA.id, "depuis un autre processus")
                with pytest.raises(Forbidden):
                    await remote_bot.send_message(7, "bloqué")
            pushed = await control.post(
                "/_control/push_message",
                json={"user": {"id": AWA.id, "first_name": "Awa"}, "text": "/start"},
            )
            stats = (await control.get("/_control/stats")).json()
            sent = (await control.get("/_control/sent", params={"chat_id": AWA.id})).json()
    finally:
        process.terminate()
        await process.wait()

    assert url.startswith("http://127.0.0.1:")
    assert configured.json()["limits"]["per_second"] == 30
    assert pushed.json() == {"message_id": 2}
    assert stats["delivered_by_chat"] == {str(AWA.id): 1}
    assert stats["by_status"]["403"] == 1 and stats["pending_updates"] == 1
    assert [m["text"] for m in sent["messages"]] == ["depuis un autre processus"]
    assert json.dumps(stats)  # plain JSON all the way down


# --- a whole PTB application ----------------------------------------------------------------


async def test_a_ptb_application_polls_answers_and_stops_cleanly(server: LocalBotApi) -> None:
    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(
            "<b>Bienvenue</b> sur Sahel Digest", reply_markup=keyboard("t:aes")
        )

    async def pressed(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"Thème choisi : {query.data}")

    application = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=5)
        server.push_message(AWA, "/start")
        (welcome,) = await server.wait_for_messages(AWA.id, 1)
        query_id = server.push_callback(AWA, welcome.message_id, "t:aes")
        await server.wait_for(
            lambda s: s.last_message(AWA.id).edit_count == 1, what="the edited welcome"
        )
        await application.updater.stop()
        await application.stop()

    assert welcome.text == "Bienvenue sur Sahel Digest"
    assert server.last_message(AWA.id).text == "Thème choisi : t:aes"
    assert server.callback_answer(query_id) is not None
    assert all(r.status == 200 for r in server.requests() if not r.client_gone)
