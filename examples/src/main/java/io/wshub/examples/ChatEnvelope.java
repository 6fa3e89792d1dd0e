package io.wshub.examples;

import io.wshub.api.Envelope;
import io.wshub.api.Message;
import io.wshub.api.StreamPosition;
import io.wshub.api.SubscribeResult;
import java.util.Base64;

/**
 * The chat's frames for clients that connect with {@code ?recover=1}: the envelope around each chat message, and the
 * recovery frame that comes first.
 *
 * <ul>
 *   <li>A text message {@code D} becomes {@code {"type":"message","offset":N,"epoch":"E","data":"D"}}, with {@code D}
 *       as a JSON string ({@link JsonStrings}): {@code JSON.parse(frame).data} is exactly the text that was sent.</li>
 *   <li>A binary message becomes a text frame too, its bytes in standard base64 (RFC 4648 §4, padded):
 *       {@code {"type":"message","offset":N,"epoch":"E","data":"AQID","encoding":"base64"}}.</li>
 *   <li>The recovery frame: {@code {"type":"recovery","recovered":true,"missed":N,"epoch":"E","offset":K}}.</li>
 * </ul>
 *
 * <p>Thread-safety: stateless; the hub calls {@link #wrap} on its own threads, once per publication.
 */
public final class ChatEnvelope implements Envelope {

    /** Creates the envelope. */
    public ChatEnvelope() {
    }

    @Override
    public Message wrap(String topic, long offset, String epoch, Message message) {
        StringBuilder out = new StringBuilder(message.payloadLength() + 64);
        out.append("{\"type\":\"message\",\"offset\":").append(offset).append(",\"epoch\":");
        JsonStrings.appendQuoted(out, epoch).append(",\"data\":");
        if (message instanceof Message.Text text) {
            JsonStrings.appendQuoted(out, text.asString());
        } else {
            out.append('"').append(Base64.getEncoder().encodeToString(message.copyPayload()))
                    .append("\",\"encoding\":\"base64\"");
        }
        return Message.text(out.append('}'));
    }

    /**
     * Returns the first frame a {@code ?recover=1} client receives: whether it was brought back to where it was, how
     * many publications follow this frame as the replay, and the chat topic's position when it subscribed.
     *
     * @param result the outcome of the session's subscription to the chat topic; not null
     * @return the recovery frame; never null
     */
    public static Message recoveryFrame(SubscribeResult result) {
        StreamPosition position = result.position();
        StringBuilder out = new StringBuilder(128);
        out.append("{\"type\":\"recovery\",\"recovered\":").append(result.recovered())
                .append(",\"missed\":").append(result.replayed()).append(",\"epoch\":");
        if (position == null) {
            out.append("null,\"offset\":0"); // a topic without history; the chat server always gives it one
        } else {
            JsonStrings.appendQuoted(out, position.epoch()).append(",\"offset\":").append(position.offset());
        }
        return Message.text(out.append('}'));
    }
}
