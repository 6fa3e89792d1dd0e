package io.wshub.examples;

import io.wshub.api.HandshakePolicy;
import io.wshub.api.HandshakeVerdict;
import io.wshub.api.StreamPosition;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What a chat client asks for in the query of its upgrade request: nothing (a plain client), {@code ?recover=1}
 * (envelopes from now on), or {@code ?recover=1&offset=N&epoch=E} (the messages after offset {@code N} of epoch
 * {@code E}, then envelopes). {@link #POLICY} checks the query at the handshake and answers a malformed one with
 * HTTP 400 and a reason, so the endpoint only ever sees a well-formed request, on the session attribute
 * {@link #ATTRIBUTE}.
 *
 * <p>Rules: parameters are {@code application/x-www-form-urlencoded} ({@code %XX} escapes are decoded); other
 * parameters are ignored; each of ours may appear once; {@code recover} must be {@code 1}; {@code offset} and
 * {@code epoch} come together and only with {@code recover=1}; {@code offset} is a decimal number from 0 to
 * {@link Long#MAX_VALUE} without sign; {@code epoch} is 1 to {@value StreamPosition#MAX_EPOCH_LENGTH} printable ASCII
 * characters without spaces.
 *
 * <p>Thread-safety: immutable; {@link #POLICY} may be called from any thread.
 *
 * @param since the position to resume after, or null to start with the next message
 */
public record RecoveryQuery(StreamPosition since) {

    /** The session attribute that holds the {@link RecoveryQuery} of a {@code ?recover=1} session. */
    public static final String ATTRIBUTE = "wshub.chat.recovery";

    /**
     * Accepts a plain client with no attributes and a {@code ?recover=1} client with its {@link RecoveryQuery} in
     * {@link #ATTRIBUTE}; rejects a malformed query with 400.
     */
    public static final HandshakePolicy POLICY = request -> {
        Parsed parsed = parse(request.query());
        if (parsed instanceof Parsed.Invalid invalid) {
            return HandshakeVerdict.reject(400, invalid.reason());
        }
        RecoveryQuery query = ((Parsed.Valid) parsed).query();
        return query == null ? HandshakeVerdict.accept() : HandshakeVerdict.accept(null, Map.of(ATTRIBUTE, query));
    };

    /**
     * Parses a raw query string.
     *
     * @param rawQuery the query without {@code ?}, as sent; may be empty; not null
     * @return {@link Parsed.Valid} (its query is null for a plain client) or {@link Parsed.Invalid} with the reason;
     *         never null
     */
    public static Parsed parse(String rawQuery) {
        String recover = null;
        String offset = null;
        String epoch = null;
        for (String pair : rawQuery.split("&", -1)) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (name == null || !(name.equals("recover") || name.equals("offset") || name.equals("epoch"))) {
                continue; // not ours
            }
            String value = decode(eq < 0 ? "" : pair.substring(eq + 1));
            if (value == null) {
                return new Parsed.Invalid(name + " is not well-formed URL encoding");
            }
            boolean repeated = switch (name) {
                case "recover" -> recover != null;
                case "offset" -> offset != null;
                default -> epoch != null;
            };
            if (repeated) {
                return new Parsed.Invalid(name + " may be given only once");
            }
            switch (name) {
                case "recover" -> recover = value;
                case "offset" -> offset = value;
                default -> epoch = value;
            }
        }
        if (recover == null) {
            return offset == null && epoch == null ? new Parsed.Valid(null)
                    : new Parsed.Invalid("offset and epoch need recover=1");
        }
        if (!recover.equals("1")) {
            return new Parsed.Invalid("recover must be 1, was '" + printable(recover) + "'");
        }
        if (offset == null && epoch == null) {
            return new Parsed.Valid(new RecoveryQuery(null));
        }
        if (offset == null || epoch == null) {
            return new Parsed.Invalid("offset and epoch must be given together");
        }
        long n = -1;
        if (!offset.isEmpty() && offset.length() <= 19 && offset.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                n = Long.parseLong(offset);
            } catch (NumberFormatException tooBig) {
                n = -1;
            }
        }
        if (n < 0) {
            return new Parsed.Invalid("offset must be a whole number from 0 to " + Long.MAX_VALUE + ", was '"
                    + printable(offset) + "'");
        }
        String problem = StreamPosition.epochProblem(epoch);
        if (problem != null) {
            return new Parsed.Invalid("epoch " + problem);
        }
        return new Parsed.Valid(new RecoveryQuery(new StreamPosition(n, epoch)));
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }

    /** A value as it can appear in a reason: at most 40 characters, anything but printable ASCII as '?'. */
    private static String printable(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && i < 40; i++) {
            char c = value.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return value.length() > 40 ? out + "..." : out.toString();
    }

    /** The outcome of {@link #parse(String)}. */
    public sealed interface Parsed {

        /**
         * A well-formed query.
         *
         * @param query what the client asks for, or null for a plain client
         */
        record Valid(RecoveryQuery query) implements Parsed {
        }

        /**
         * A malformed query.
         *
         * @param reason what is wrong, naming the parameter; not null
         */
        record Invalid(String reason) implements Parsed {
        }
    }
}
