package io.wshub.api.spi;

import io.wshub.api.ServerConfig;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * The transport kernel's incremental reader of an upgrade request's head (RFC 7230 §3: the request line, the header
 * lines and the blank line that ends them), which enforces {@link ServerConfig#maxRequestHeaderSize()} and
 * {@link ServerConfig#maxRequestHeaders()} while the bytes arrive: a transport feeds it each read as it comes, before
 * its library parses or buffers anything, and learns whether the head needs more bytes, is complete, or has broken a
 * limit, in which case the transport answers {@link #rejection()} (431 Request Header Fields Too Large, RFC 6585 §5,
 * with {@code Connection: close}) and closes the connection. An oversized head is therefore never held whole: at most
 * {@code maxRequestHeaderSize} bytes of it are looked at, and kept only by a {@linkplain #buffering buffering} reader.
 *
 * <p>What is counted: every byte of the head, each line's CR LF and the final blank line included, so a head of
 * exactly the limit is accepted and one byte more is not; and every non-empty line after the request line as a header
 * line (an obsolete folded continuation line counts as one more). A line ends at LF, a CR before it ignored (RFC 7230
 * §3.5), so a head with bare LF line ends is recognised too; empty lines before the request line are skipped (§3.5)
 * but count towards the size. Nothing else is checked here: the request line and the headers are the library's and
 * the {@link UpgradeValidator}'s business.
 *
 * <p>A counting reader ({@link #counting}) only looks at the bytes, for a transport whose library parses them
 * itself; a buffering reader ({@link #buffering}) also keeps them, so the transport hands the library the complete
 * head at once ({@link #head()}) and the library never re-parses a partial one.
 *
 * <p>Thread-safety: not thread-safe; one instance per connection, used by the thread that reads that connection.
 */
public final class RequestHeadReader {

    /** The HTTP status of a request whose head breaks a limit: 431 Request Header Fields Too Large (RFC 6585 §5). */
    public static final int STATUS_TOO_LARGE = 431;

    /** What the head is after the bytes fed so far. */
    public enum Status {
        /** The head is not complete yet and within the limits: feed more bytes. */
        NEED_MORE,
        /** The head is complete (its blank line was read) and within the limits. Terminal. */
        COMPLETE,
        /** The head has more than {@link ServerConfig#maxRequestHeaderSize()} bytes: answer 431. Terminal. */
        TOO_LARGE,
        /** The head has more than {@link ServerConfig#maxRequestHeaders()} header lines: answer 431. Terminal. */
        TOO_MANY_HEADERS;

        /**
         * Returns whether this status breaks a limit, so the request is answered with {@link #rejection()}.
         *
         * @return {@code true} for {@link #TOO_LARGE} and {@link #TOO_MANY_HEADERS}
         */
        public boolean isRejected() {
            return this == TOO_LARGE || this == TOO_MANY_HEADERS;
        }
    }

    private final int maxSize;
    private final int maxHeaders;
    private final boolean retain;
    /** The head's bytes, for a buffering reader; created on the first byte, grown up to {@link #maxSize}. */
    private byte[] bytes;
    private int size;
    /** Complete non-empty lines, the request line included. */
    private int lines;
    /** Bytes other than CR in the current line. */
    private int lineLength;
    private Status status = Status.NEED_MORE;

    /**
     * Creates a reader.
     *
     * @param maxSize the most bytes the head may have, 1 or more
     * @param maxHeaders the most header lines it may have, 0 or more
     * @param retain whether to keep the bytes for {@link #head()}
     * @throws IllegalArgumentException if a limit is out of range
     */
    public RequestHeadReader(int maxSize, int maxHeaders, boolean retain) {
        if (maxSize < 1) {
            throw new IllegalArgumentException("maxSize must be 1 or more, was " + maxSize);
        }
        if (maxHeaders < 0) {
            throw new IllegalArgumentException("maxHeaders must be 0 or more, was " + maxHeaders);
        }
        this.maxSize = maxSize;
        this.maxHeaders = maxHeaders;
        this.retain = retain;
    }

    /**
     * Creates a reader with a config's limits that only counts, for a transport whose library parses the head.
     *
     * @param config the server's config; not null
     * @return a new reader
     */
    public static RequestHeadReader counting(ServerConfig config) {
        return new RequestHeadReader(config.maxRequestHeaderSize(), config.maxRequestHeaders(), false);
    }

    /**
     * Creates a reader with a config's limits that keeps the head's bytes for {@link #head()}.
     *
     * @param config the server's config; not null
     * @return a new reader
     */
    public static RequestHeadReader buffering(ServerConfig config) {
        return new RequestHeadReader(config.maxRequestHeaderSize(), config.maxRequestHeaders(), true);
    }

    /**
     * Reads bytes of the head from {@code src}'s position: takes them up to the end of the head (the LF of its blank
     * line) or up to the byte that would break a limit, whichever comes first, and advances the position past what it
     * took. Bytes after the head (frames a client sent at once) stay in {@code src}. Once the status is terminal it
     * takes nothing and answers the same status.
     *
     * @param src the bytes just read; not null; its position is advanced
     * @return the status after these bytes; never null
     */
    public Status feed(ByteBuffer src) {
        if (status != Status.NEED_MORE) {
            return status;
        }
        int from = src.position();
        int limit = src.limit();
        int i = from;
        while (i < limit) {
            if (size == maxSize) {
                status = Status.TOO_LARGE; // one more byte than the limit allows
                break;
            }
            byte b = src.get(i++);
            size++;
            if (b == '\n') {
                if (lineLength > 0) {
                    lines++;
                    lineLength = 0;
                    if (lines - 1 > maxHeaders) {
                        status = Status.TOO_MANY_HEADERS;
                        break;
                    }
                } else if (lines > 0) {
                    status = Status.COMPLETE;
                    break;
                }
            } else if (b != '\r') {
                lineLength++;
            }
        }
        if (retain && i > from) {
            keep(src, from, i);
        }
        src.position(i);
        return status;
    }

    private void keep(ByteBuffer src, int from, int to) {
        int n = to - from;
        int start = size - n;
        if (bytes == null) {
            bytes = new byte[Math.min(maxSize, Math.max(512, n))];
        } else if (bytes.length < size) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(maxSize, Math.max((long) size, 2L * bytes.length)));
        }
        src.get(from, bytes, start, n);
    }

    /**
     * Returns the status after the bytes fed so far.
     *
     * @return the status; never null
     */
    public Status status() {
        return status;
    }

    /**
     * Returns how many bytes of the head were taken.
     *
     * @return 0 to the size limit
     */
    public int size() {
        return size;
    }

    /**
     * Returns how many complete header lines were read (the request line not counted).
     *
     * @return 0 to one more than the header limit
     */
    public int headerLines() {
        return Math.max(0, lines - 1);
    }

    /**
     * Returns the complete head, for a buffering reader: a new buffer over the kept bytes, from the request line (or
     * the empty lines before it) to the LF of the blank line, that the caller may consume.
     *
     * @return the head; never null
     * @throws IllegalStateException if the head is not {@link Status#COMPLETE} or the reader does not buffer
     */
    public ByteBuffer head() {
        if (!retain) {
            throw new IllegalStateException("a counting reader keeps no bytes");
        }
        if (status != Status.COMPLETE) {
            throw new IllegalStateException("the head is not complete: " + status);
        }
        return ByteBuffer.wrap(bytes, 0, size);
    }

    /**
     * Returns the answer to a head that broke a limit: 431 with a reason naming the limit; answer it (with
     * {@code Connection: close}, as {@link UpgradeDecision.Reject#toHttpResponse()} writes it) and close.
     *
     * @return the rejection; never null
     * @throws IllegalStateException if the status is not {@linkplain Status#isRejected() rejected}
     */
    public UpgradeDecision.Reject rejection() {
        if (status == Status.TOO_LARGE) {
            return new UpgradeDecision.Reject(STATUS_TOO_LARGE, "the request head is larger than " + maxSize
                    + " bytes", Map.of());
        }
        if (status == Status.TOO_MANY_HEADERS) {
            return new UpgradeDecision.Reject(STATUS_TOO_LARGE, "the request has more than " + maxHeaders
                    + " header lines", Map.of());
        }
        throw new IllegalStateException("no limit was broken: " + status);
    }

    @Override
    public String toString() {
        return "RequestHeadReader[" + status + ", " + size + " of " + maxSize + " bytes, " + headerLines() + " of "
                + maxHeaders + " header lines]";
    }
}
