package io.wshub.examples;

import io.wshub.api.CloseCode;
import io.wshub.api.Endpoint;
import io.wshub.api.Hub;
import io.wshub.api.Message;
import io.wshub.api.PublishResult;
import io.wshub.api.Session;
import io.wshub.api.SubscribeOptions;
import io.wshub.api.SubscriptionListener;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The chat's relay: every session that opens joins the hub and subscribes to the chat topic (whose publications the
 * hub keeps in its history) and then to the presence topic; every text and binary message a session sends is
 * published, unchanged, on the chat topic, so it reaches every session, the sender included; a session leaves the
 * hub when it closes.
 *
 * <p>A plain session subscribes with {@link SubscribeOptions#plain()} and receives each message as it was sent. A
 * session the {@link RecoveryQuery#POLICY} accepted with a {@link RecoveryQuery} subscribes with envelopes
 * ({@link ChatEnvelope}), from the position it named if any, and a listener that offers it the recovery frame: the
 * hub runs the listener before it offers the session any replayed or live publication, and nothing else reaches the
 * session before (it is subscribed to nothing else yet, and the chat uses no broadcasts), so the recovery frame is its
 * first frame.
 *
 * <p>If the hub refuses a message ({@link PublishResult#BACKPRESSURED}), it is dropped and counted in
 * {@link #rejected()}. If it refuses a join or a subscription, the session is closed with 1013 (try again later), or
 * 1001 (going away) when the hub is shut down.
 *
 * <p>On a chat shared through Redis, a message the hub answers {@link PublishResult#UNAVAILABLE} (Redis is
 * unreachable) was sent to nobody, not even locally; it is counted in {@link #rejected()} and its sender alone gets
 * {@link #notSent(Message)}, {@code {"type":"error","error":"unavailable","text":"...","data":D}}, with {@code D}
 * the text it sent (absent for a binary message), so that no client believes it was sent.
 *
 * <p>Thread-safety: may serve any number of sessions from any number of transport threads.
 */
public final class ChatRelay implements Endpoint {

    /** Offers the recovery frame; on the hub's thread, before anything is replayed. */
    private static final SubscriptionListener RECOVERY_FRAME =
            (session, result) -> session.offer(ChatEnvelope.recoveryFrame(result));
    private static final SubscribeOptions ENVELOPES = SubscribeOptions.builder()
            .envelope(true)
            .listener(RECOVERY_FRAME)
            .build();

    private final Hub hub;
    private final String chatTopic;
    private final String presenceTopic;
    private final LongAdder rejected = new LongAdder();

    /**
     * Creates the relay.
     *
     * @param hub the hub; not null; it must keep a history with a {@link ChatEnvelope} for {@code chatTopic} to serve
     *            {@code ?recover=1} sessions
     * @param chatTopic the topic that carries the chat messages; not null
     * @param presenceTopic the topic that carries {@link PresenceNotices}, subscribed to after the chat topic; not null
     */
    public ChatRelay(Hub hub, String chatTopic, String presenceTopic) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.chatTopic = Objects.requireNonNull(chatTopic, "chatTopic");
        this.presenceTopic = Objects.requireNonNull(presenceTopic, "presenceTopic");
    }

    /**
     * Returns how many received messages the hub refused with {@link PublishResult#BACKPRESSURED},
     * {@link PublishResult#CLOSED} or {@link PublishResult#UNAVAILABLE}.
     *
     * @return the refused message count
     */
    public long rejected() {
        return rejected.sum();
    }

    @Override
    public void onOpen(Session session) {
        SubscribeOptions options = SubscribeOptions.plain();
        if (session.attributes().get(RecoveryQuery.ATTRIBUTE) instanceof RecoveryQuery query) {
            options = query.since() == null ? ENVELOPES : SubscribeOptions.builder()
                    .since(query.since())
                    .envelope(true)
                    .listener(RECOVERY_FRAME)
                    .build();
        }
        if (refused(session, hub.join(session))
                || refused(session, hub.subscribe(session, chatTopic, options))) {
            return;
        }
        refused(session, hub.subscribe(session, presenceTopic));
    }

    @Override
    public void onMessage(Session session, Message message) {
        PublishResult r = hub.publish(chatTopic, message);
        if (r != PublishResult.ACCEPTED) {
            rejected.increment();
        }
        if (r == PublishResult.UNAVAILABLE) {
            session.offer(notSent(message)); // if its queue is full, the client is too far behind to be told
            session.flush();
        }
    }

    /**
     * Returns the frame that tells a client its message was not sent because the chat's Redis is unreachable:
     * {@code {"type":"error","error":"unavailable","text":"not sent: ...","data":D}}, {@code D} being the text
     * message as a JSON string ({@link JsonStrings}); a binary message has no {@code data}.
     *
     * @param message the message that was not sent; not null
     * @return the frame; never null
     */
    public static Message notSent(Message message) {
        StringBuilder out = new StringBuilder(message.payloadLength() + 128);
        out.append("{\"type\":\"error\",\"error\":\"unavailable\",\"text\":")
                .append("\"not sent: the chat cannot reach its Redis now; try again in a moment\"");
        if (message instanceof Message.Text text) {
            JsonStrings.appendQuoted(out.append(",\"data\":"), text.asString());
        }
        return Message.text(out.append('}'));
    }

    @Override
    public void onClose(Session session, int code, String reason) {
        hub.leave(session);
    }

    private static boolean refused(Session session, PublishResult r) {
        if (r == PublishResult.BACKPRESSURED) {
            session.close(CloseCode.TRY_AGAIN_LATER, "hub busy");
        } else if (r == PublishResult.UNAVAILABLE) {
            session.close(CloseCode.TRY_AGAIN_LATER, "chat unavailable");
        } else if (r == PublishResult.CLOSED) {
            session.close(CloseCode.GOING_AWAY, "hub shut down");
        }
        return r != PublishResult.ACCEPTED;
    }

    @Override
    public String toString() {
        return "ChatRelay[chat=" + chatTopic + ", presence=" + presenceTopic + "]";
    }
}
