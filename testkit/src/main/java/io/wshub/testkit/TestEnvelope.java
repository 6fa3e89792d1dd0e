package io.wshub.testkit;

import io.wshub.api.Envelope;
import io.wshub.api.Message;
import io.wshub.api.StreamPosition;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link Envelope} for tests: it wraps each publication into a text message that names the topic, the offset, the
 * epoch and the original message, which {@link #parse(Message)} turns back into a {@link Publication}. It also counts
 * how many times it wrapped each publication, so a rule can check that a hub wraps once per publication and never per
 * recipient.
 *
 * <p>The text is {@value #PREFIX}{@code <offset> <epoch> <kind> <topic length> <topic> <payload in base64>}: fields
 * separated by one space, the kind a {@link Message.Kind} name, the topic's length counted in UTF-16 chars (a topic may
 * contain spaces), the payload in standard base64 (empty for an empty payload). An epoch never contains a space
 * ({@link StreamPosition}).
 *
 * <p>Thread-safety: {@link #wrap} may be called from any number of threads at once (a hub's fan-out threads); the
 * counters are safe to read from any thread. No method accepts null.
 */
public final class TestEnvelope implements Envelope {

    /** How every message this envelope builds begins. */
    public static final String PREFIX = "wshub-envelope ";

    private final ConcurrentHashMap<PublicationKey, AtomicInteger> wraps = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();
    private final AtomicInteger maxPerPublication = new AtomicInteger();

    /** Creates an envelope that has wrapped nothing yet. */
    public TestEnvelope() {
    }

    /**
     * Wraps one publication and counts it.
     *
     * @param topic the topic; not null
     * @param offset the offset
     * @param epoch the epoch; not null
     * @param message the published message; not null
     * @return a text message {@link #parse} understands
     */
    @Override
    public Message wrap(String topic, long offset, String epoch, Message message) {
        Message wrapped = encode(topic, offset, epoch, message);
        int n = wraps.computeIfAbsent(new PublicationKey(topic, epoch, offset), k -> new AtomicInteger())
                .incrementAndGet();
        maxPerPublication.accumulateAndGet(n, Math::max);
        total.incrementAndGet();
        return wrapped;
    }

    /**
     * Returns how many times {@link #wrap} was called.
     *
     * @return the total count
     */
    public long wrapCount() {
        return total.get();
    }

    /**
     * Returns how many times one publication was wrapped.
     *
     * @param topic the topic; not null
     * @param epoch the epoch; not null
     * @param offset the offset
     * @return the count, 0 if it was never wrapped
     */
    public int wrapCount(String topic, String epoch, long offset) {
        AtomicInteger n = wraps.get(new PublicationKey(topic, epoch, offset));
        return n == null ? 0 : n.get();
    }

    /**
     * Returns the most times any one publication (topic, epoch, offset) was wrapped: 1 for a hub that honours
     * "once per publication", 0 if nothing was wrapped.
     *
     * @return the highest count
     */
    public int maxWrapsPerPublication() {
        return maxPerPublication.get();
    }

    /**
     * Builds the message {@link #wrap} builds, without counting it.
     *
     * @param topic the topic; not null
     * @param offset the offset
     * @param epoch the epoch; not null and without spaces
     * @param message the message; not null
     * @return the text message
     */
    public static Message encode(String topic, long offset, String epoch, Message message) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(message, "message");
        if (Objects.requireNonNull(epoch, "epoch").isEmpty() || epoch.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("epoch must be non-empty and without spaces: '" + epoch + "'");
        }
        return Message.text(PREFIX + offset + ' ' + epoch + ' ' + message.kind().name() + ' ' + topic.length() + ' '
                + topic + ' ' + Base64.getEncoder().encodeToString(message.copyPayload()));
    }

    /**
     * Returns whether a message looks like one this envelope built (a text message starting with {@link #PREFIX}).
     *
     * @param message the message; not null
     * @return whether {@link #parse} should be able to read it
     */
    public static boolean isEnvelope(Message message) {
        return message instanceof Message.Text t && t.asString().startsWith(PREFIX);
    }

    /**
     * Reads a message this envelope built.
     *
     * @param message the message; not null
     * @return the publication it carries
     * @throws IllegalArgumentException if the message is not such an envelope, saying what it is
     */
    public static Publication parse(Message message) {
        if (!isEnvelope(message)) {
            throw new IllegalArgumentException("not a TestEnvelope message: " + describe(message));
        }
        String s = ((Message.Text) message).asString();
        try {
            int p = PREFIX.length();
            int sp = s.indexOf(' ', p);
            long offset = Long.parseLong(s.substring(p, sp));
            p = sp + 1;
            sp = s.indexOf(' ', p);
            String epoch = s.substring(p, sp);
            p = sp + 1;
            sp = s.indexOf(' ', p);
            Message.Kind kind = Message.Kind.valueOf(s.substring(p, sp));
            p = sp + 1;
            sp = s.indexOf(' ', p);
            int topicLength = Integer.parseInt(s.substring(p, sp));
            p = sp + 1;
            String topic = s.substring(p, p + topicLength);
            p += topicLength;
            if (s.charAt(p) != ' ') {
                throw new IllegalArgumentException("no space after the topic");
            }
            byte[] payload = Base64.getDecoder().decode(s.substring(p + 1));
            return new Publication(topic, offset, epoch, rebuild(kind, payload));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed TestEnvelope message '" + s + "': " + e, e);
        }
    }

    /**
     * Describes a message for a failure report: an envelope as its publication, a text message as its text, anything
     * else by kind and size.
     *
     * @param message the message; not null
     * @return a short description
     */
    public static String describe(Message message) {
        if (message instanceof Message.Text t) {
            String s = t.asString();
            return s.length() > 80 ? "text '" + s.substring(0, 80) + "...'" : "text '" + s + "'";
        }
        return message.toString();
    }

    private static Message rebuild(Message.Kind kind, byte[] payload) {
        return switch (kind) {
            case TEXT -> Message.textUtf8(payload);
            case BINARY -> Message.binary(payload);
            case PING -> Message.ping(payload);
            case PONG -> Message.pong(payload);
            case CLOSE -> Message.Close.decode(ByteBuffer.wrap(payload));
        };
    }

    /**
     * One publication as an envelope carried it.
     *
     * <p>Thread-safety: immutable.
     *
     * @param topic the topic; never null
     * @param offset the publication's offset
     * @param epoch the history's epoch; never null
     * @param message a message equal (same kind, same bytes) to the one published; never null
     */
    public record Publication(String topic, long offset, String epoch, Message message) {

        /**
         * Validates.
         *
         * @param topic the topic; not null
         * @param offset the offset
         * @param epoch the epoch; not null
         * @param message the message; not null
         */
        public Publication {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(epoch, "epoch");
            Objects.requireNonNull(message, "message");
        }

        /**
         * Returns the position of this publication, to recover from.
         *
         * @return (offset, epoch)
         * @throws IllegalArgumentException if the hub put an offset or epoch no {@link StreamPosition} accepts
         */
        public StreamPosition position() {
            return new StreamPosition(offset, epoch);
        }

        /**
         * Returns the original message's text, for a text publication.
         *
         * @return the text
         * @throws IllegalStateException if the publication was not a text message
         */
        public String text() {
            if (message instanceof Message.Text t) {
                return t.asString();
            }
            throw new IllegalStateException("publication " + offset + " is " + message + ", not text");
        }

        @Override
        public String toString() {
            return "Publication[" + topic + " #" + offset + " @" + epoch + " " + describe(message) + "]";
        }
    }

    private record PublicationKey(String topic, String epoch, long offset) {
    }
}
