"""Bot API methods that send, edit or remove messages, and answer callback queries."""

from __future__ import annotations

import mimetypes
import time
from dataclasses import replace
from typing import Any

from fake_bot_api import errors, payloads
from fake_bot_api.errors import ApiError, bad_request
from fake_bot_api.models import CallbackAnswer, JsonDict, SentDocument, SentMessage
from fake_bot_api.params import Params
from fake_bot_api.state import BotState, StoredFile, unix_now
from fake_bot_api.validation import (
    RenderedText,
    check_callback_answer_text,
    check_reply_markup,
    render_caption,
)

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip


def send_message(state: BotState, params: Params) -> JsonDict:
    chat_id = state.resolve_chat(params.chat_id())
    raw = params.string("text")
    rendered = state.texts.message_text(
        raw, params.string("parse_mode"), params.json_list("entities"), strict=state.strict_html
    )
    markup = check_reply_markup(params.json_dict("reply_markup"))
    reply_to = _replied_message(state, chat_id, params)
    preview = params.json_dict("link_preview_options")
    sent = SentMessage(
        chat_id=chat_id,
        message_id=state.next_message_id(chat_id),
        text=rendered.text,
        raw_text=raw or "",
        parse_mode=params.string("parse_mode"),
        entities=rendered.entities,
        reply_markup=markup,
        link_preview_options=preview,
        sent_at=time.monotonic(),
    )
    return _deliver(state, sent, _text_body(rendered, preview), reply_to)


def send_document(state: BotState, params: Params) -> JsonDict:
    chat_id = state.resolve_chat(params.chat_id())
    stored = _document_source(state, params)
    raw_caption = params.string("caption")
    caption = render_caption(
        raw_caption,
        params.string("parse_mode"),
        params.json_list("caption_entities"),
        strict=state.strict_html,
    )
    markup = check_reply_markup(params.json_dict("reply_markup"))
    reply_to = _replied_message(state, chat_id, params)
    sent = SentMessage(
        chat_id=chat_id,
        message_id=state.next_message_id(chat_id),
        text=caption.text if caption else "",
        raw_text=raw_caption or "",
        parse_mode=params.string("parse_mode"),
        entities=caption.entities if caption else (),
        reply_markup=markup,
        link_preview_options=None,
        sent_at=time.monotonic(),
        document=SentDocument(stored.file_id, stored.name, stored.mime_type, stored.content),
    )
    body: JsonDict = {
        "document": payloads.document_json(
            stored.file_id, stored.unique_id, stored.name, stored.mime_type, len(stored.content)
        )
    }
    if caption is not None:
        body["caption"] = caption.text
        if caption.entities:
            body["caption_entities"] = list(caption.entities)
    return _deliver(state, sent, body, reply_to)


def edit_message_text(state: BotState, params: Params) -> JsonDict:
    current = _editable(state, params)
    if current.document is not None:
        raise bad_request("there is no text in the message to edit")
    raw = params.string("text")
    rendered = state.texts.message_text(
        raw, params.string("parse_mode"), params.json_list("entities"), strict=state.strict_html
    )
    markup = check_reply_markup(params.json_dict("reply_markup"))
    if (rendered.text, rendered.entities, markup) == (
        current.text,
        current.entities,
        current.reply_markup,
    ):
        raise ApiError(400, errors.NOT_MODIFIED)
    preview = params.json_dict("link_preview_options")
    edited = replace(
        current,
        text=rendered.text,
        raw_text=raw or "",
        parse_mode=params.string("parse_mode"),
        entities=rendered.entities,
        reply_markup=markup,
        link_preview_options=preview,
        history=(*current.history, current),
    )
    return _store_edit(state, edited, _text_body(rendered, preview))


def edit_message_reply_markup(state: BotState, params: Params) -> JsonDict:
    current = _editable(state, params)
    markup = check_reply_markup(params.json_dict("reply_markup"))
    if markup == current.reply_markup:
        raise ApiError(400, errors.NOT_MODIFIED)
    edited = replace(current, reply_markup=markup, history=(*current.history, current))
    message = state.messages[(current.chat_id, current.message_id)]
    body = {key: value for key, value in message.items() if key in _CONTENT_KEYS}
    return _store_edit(state, edited, body)


def delete_message(state: BotState, params: Params) -> bool:
    chat_id = state.resolve_chat(params.chat_id())
    if not state.delete_message(chat_id, params.required_integer("message_id")):
        raise bad_request("message to delete not found")
    return True


def answer_callback_query(state: BotState, params: Params) -> bool:
    query_id = params.string("callback_query_id") or ""
    if query_id not in state.pending_callbacks:
        raise ApiError(400, errors.QUERY_TOO_OLD)
    text = params.string("text")
    check_callback_answer_text(text)
    state.pending_callbacks.discard(query_id)
    state.callback_answers[query_id] = CallbackAnswer(
        query_id, text, params.flag("show_alert"), params.string("url")
    )
    return True


def send_chat_action(state: BotState, params: Params) -> bool:
    state.resolve_chat(params.chat_id())
    if params.string("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


_CONTENT_KEYS = frozenset(
    {"text", "entities", "link_preview_options", "document", "caption", "caption_entities"}
)


def _text_body(rendered: RenderedText, preview: JsonDict | None) -> JsonDict:
    body: JsonDict = {"text": rendered.text}
    if rendered.entities:
        body["entities"] = list(rendered.entities)
    if preview:
        body["link_preview_options"] = preview
    return body


def _deliver(
    state: BotState, sent: SentMessage, body: JsonDict, reply_to: JsonDict | None
) -> JsonDict:
    message = payloads.bot_message(
        message_id=sent.message_id,
        bot_user=state.bot_json(),
        chat=state.chat(sent.chat_id),
        date=unix_now(),
        body=body,
        reply_markup=sent.reply_markup,
        reply_to=reply_to,
    )
    state.store_sent(sent, message)
    return message


def _store_edit(state: BotState, edited: SentMessage, body: JsonDict) -> JsonDict:
    previous = state.messages[(edited.chat_id, edited.message_id)]
    message = payloads.bot_message(
        message_id=edited.message_id,
        bot_user=state.bot_json(),
        chat=state.chat(edited.chat_id),
        date=previous["date"],
        body=body,
        reply_markup=edited.reply_markup,
        reply_to=previous.get("reply_to_message"),
        edit_date=unix_now(),
    )
    state.replace_sent(edited, message)
    return message


def _editable(state: BotState, params: Params) -> SentMessage:
    if "inline_message_id" in params:
        raise bad_request("inline messages are not supported by the local test server")
    chat_id = state.resolve_chat(params.chat_id())
    key = (chat_id, params.required_integer("message_id"))
    current = state.sent.get(key)
    if current is None or current.deleted:
        if key in state.messages:
            raise bad_request("message can't be edited")
        raise bad_request("message to edit not found")
    return current


def _replied_message(state: BotState, chat_id: int, params: Params) -> JsonDict | None:
    reply = params.json_dict("reply_parameters")
    if reply is not None:
        message_id: Any = reply.get("message_id")
        allow_missing = bool(reply.get("allow_sending_without_reply"))
    else:
        message_id = params.integer("reply_to_message_id")
        allow_missing = params.flag("allow_sending_without_reply")
    if message_id is None:
        return None
    message = state.messages.get((chat_id, message_id))
    if message is None:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return {key: value for key, value in message.items() if key != "reply_to_message"}


def _document_source(state: BotState, params: Params) -> StoredFile:
    upload = params.file("document")
    reference = params.string("document")
    if upload is None and reference and reference.startswith("attach://"):
        upload = params.file(reference.removeprefix("attach://"))
    if upload is not None:
        mime = upload.content_type or mimetypes.guess_type(upload.filename)[0]
        return state.add_file(upload.content, upload.filename, mime, "documents")
    if reference is None:
        raise bad_request("there is no document in the request")
    stored = state.files.get(reference)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return stored
