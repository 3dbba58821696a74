"""Reports for tests: counters as JSON and a readable account of what the server received,
shown when a wait times out."""

from __future__ import annotations

from fake_bot_api.core import BotApiCore
from fake_bot_api.models import JsonDict

_SHOWN = 12


def stats(core: BotApiCore) -> JsonDict:
    """Totals for benchmarks and the /_control/stats endpoint (JSON keys are strings)."""
    counters, state, limits = core.counters, core.state, core.limits
    return {
        "requests": counters.requests,
        "by_method": dict(counters.by_method),
        "by_status": {str(status): count for status, count in counters.by_status.items()},
        "delivered": sum(state.delivered.values()),
        "delivered_by_chat": {str(chat): count for chat, count in state.delivered.items()},
        "rate_limited": counters.rate_limited,
        "rate_limited_by_chat": {
            str(chat): count for chat, count in counters.rate_limited_by_chat.items()
        },
        "injected_failures": counters.injected_failures,
        "pending_updates": len(state.updates),
        "limits": {
            "per_second": limits.per_second,
            "private_per_second": limits.private_per_second,
            "group_per_minute": limits.group_per_minute,
            "retry_after": limits.retry_after,
        },
    }


def account(core: BotApiCore) -> str:
    """The last messages sent and requests received, for an assertion message."""
    sent = core.state.sent_messages()[-_SHOWN:]
    lines = [f"Bot messages ({sum(core.state.delivered.values())} sent, last {len(sent)}):"]
    lines += [
        f"  chat {m.chat_id} #{m.message_id}{' (deleted)' if m.deleted else ''}"
        f"{f' [{m.edit_count} edits]' if m.edit_count else ''}: {_short(m.text)}"
        for m in sent
    ]
    requests = core.log[-_SHOWN:]
    lines.append(f"Requests ({core.counters.requests} received, last {len(requests)}):")
    lines += [
        f"  {r.method} -> {r.status}{f' {r.description}' if r.description else ''}"
        f"{f' [fault {r.fault}]' if r.fault else ''}"
        for r in requests
    ]
    return "\n".join(lines)


def _short(text: str, limit: int = 90) -> str:
    flat = text.replace("\n", "⏎")
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")
