package io.wshub.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.ServerConfig;
import io.wshub.api.spi.RequestHeadReader.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestHeadReaderTest {

    private static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String text(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return new String(a, StandardCharsets.ISO_8859_1);
    }

    /**
     * A head of exactly {@code size} bytes: the upgrade's five headers, {@code extraHeaders} padding headers and one
     * filler header, so {@code 6 + extraHeaders} header lines.
     */
    private static String head(int size, int extraHeaders) {
        StringBuilder sb = new StringBuilder(UPGRADE.substring(0, UPGRADE.length() - 2));
        for (int i = 0; i < extraHeaders; i++) {
            sb.append("X-Pad-").append(i).append(": p\r\n");
        }
        int pad = size - sb.length() - "X-Fill: \r\n\r\n".length();
        if (pad < 0) {
            throw new IllegalArgumentException("size " + size + " too small");
        }
        sb.append("X-Fill: ").append("f".repeat(pad)).append("\r\n\r\n");
        return sb.toString();
    }

    @Test
    void shouldCompleteAWholeHeadAndLeaveTheFramesAfterIt() {
        RequestHeadReader r = new RequestHeadReader(8192, 100, true);
        ByteBuffer in = bytes(UPGRADE + "\u0081\u0085frame");
        assertThat(r.feed(in)).isEqualTo(Status.COMPLETE);
        assertThat(text(in)).isEqualTo("\u0081\u0085frame");
        assertThat(text(r.head())).isEqualTo(UPGRADE);
        assertThat(r.size()).isEqualTo(UPGRADE.length());
        assertThat(r.headerLines()).isEqualTo(5);
        assertThat(r.status()).isEqualTo(Status.COMPLETE);
    }

    @Test
    void shouldNeedMoreUntilTheLastByteWhenFedOneByteAtATime() {
        RequestHeadReader r = new RequestHeadReader(8192, 100, true);
        byte[] all = UPGRADE.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < all.length - 1; i++) {
            assertThat(r.feed(ByteBuffer.wrap(all, i, 1))).as("after byte %d", i).isEqualTo(Status.NEED_MORE);
        }
        assertThat(r.feed(ByteBuffer.wrap(all, all.length - 1, 1))).isEqualTo(Status.COMPLETE);
        assertThat(text(r.head())).isEqualTo(UPGRADE);
    }

    @Test
    void shouldKeepEveryChunkInOrderWhileGrowing() {
        String h = head(6000, 0);
        RequestHeadReader r = new RequestHeadReader(8192, 100, true);
        ByteBuffer in = bytes(h);
        Status s = Status.NEED_MORE;
        while (in.hasRemaining()) {
            ByteBuffer chunk = in.slice(in.position(), Math.min(700, in.remaining()));
            s = r.feed(chunk);
            in.position(in.position() + chunk.position());
        }
        assertThat(s).isEqualTo(Status.COMPLETE);
        assertThat(text(r.head())).isEqualTo(h);
    }

    @Test
    void shouldAcceptAHeadOfExactlyTheLimitAndRejectOneByteMore() {
        RequestHeadReader atLimit = new RequestHeadReader(1024, 100, true);
        assertThat(atLimit.feed(bytes(head(1024, 0)))).isEqualTo(Status.COMPLETE);
        assertThat(atLimit.size()).isEqualTo(1024);

        RequestHeadReader over = new RequestHeadReader(1024, 100, true);
        ByteBuffer in = bytes(head(1025, 0));
        assertThat(over.feed(in)).isEqualTo(Status.TOO_LARGE);
        assertThat(over.size()).isEqualTo(1024);
        assertThat(in.remaining()).as("the byte beyond the limit is not taken").isEqualTo(1);
        assertThat(over.status().isRejected()).isTrue();
    }

    @Test
    void shouldRejectAHugeValueWithinTheFirstChunksWithoutTakingMoreThanTheLimit() {
        byte[] huge = new byte[1 << 20];
        Arrays.fill(huge, (byte) 'v');
        byte[] start = "GET /ws HTTP/1.1\r\nX-Big: ".getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(start, 0, huge, 0, start.length);
        RequestHeadReader r = new RequestHeadReader(16 * 1024, 100, true);
        int chunks = 0;
        Status s = Status.NEED_MORE;
        for (int off = 0; off < huge.length && s == Status.NEED_MORE; off += 4096) {
            s = r.feed(ByteBuffer.wrap(huge, off, 4096));
            chunks++;
        }
        assertThat(s).isEqualTo(Status.TOO_LARGE);
        assertThat(chunks).isEqualTo(5);
        assertThat(r.size()).isEqualTo(16 * 1024);
    }

    @Test
    void shouldCountHeaderLinesAndRejectOneMoreThanTheLimit() {
        RequestHeadReader atLimit = new RequestHeadReader(8192, 20, false);
        assertThat(atLimit.feed(bytes(head(1000, 14)))).isEqualTo(Status.COMPLETE);
        assertThat(atLimit.headerLines()).isEqualTo(20);

        RequestHeadReader over = new RequestHeadReader(8192, 20, false);
        ByteBuffer in = bytes(head(1000, 15));
        assertThat(over.feed(in)).isEqualTo(Status.TOO_MANY_HEADERS);
        assertThat(over.headerLines()).isEqualTo(21);
        assertThat(in.remaining()).as("nothing after the offending line is taken").isPositive();
    }

    @Test
    void shouldRejectTenThousandTinyLinesLongBeforeTheirEnd() {
        StringBuilder sb = new StringBuilder("GET /ws HTTP/1.1\r\n");
        for (int i = 0; i < 10_000; i++) {
            sb.append("a:\r\n");
        }
        RequestHeadReader r = RequestHeadReader.counting(ServerConfig.defaults());
        ByteBuffer in = bytes(sb.append("\r\n").toString());
        assertThat(r.feed(in)).isEqualTo(Status.TOO_MANY_HEADERS);
        assertThat(r.size()).isLessThan(600);
    }

    @Test
    void shouldRecogniseBareLfLineEndsAndSkipEmptyLinesBeforeTheRequestLine() {
        RequestHeadReader lf = new RequestHeadReader(8192, 100, true);
        assertThat(lf.feed(bytes("GET /ws HTTP/1.1\nHost: x\n\nrest"))).isEqualTo(Status.COMPLETE);
        assertThat(lf.headerLines()).isEqualTo(1);

        RequestHeadReader leading = new RequestHeadReader(8192, 100, true);
        assertThat(leading.feed(bytes("\r\n\r\n"))).isEqualTo(Status.NEED_MORE);
        assertThat(leading.feed(bytes(UPGRADE))).isEqualTo(Status.COMPLETE);
        assertThat(text(leading.head())).isEqualTo("\r\n\r\n" + UPGRADE);
    }

    @Test
    void shouldCountEmptyLinesBeforeTheRequestLineTowardsTheSize() {
        RequestHeadReader r = new RequestHeadReader(600, 100, false);
        assertThat(r.feed(bytes("\r\n".repeat(301)))).isEqualTo(Status.TOO_LARGE);
    }

    @Test
    void shouldTakeNothingOnceTerminal() {
        RequestHeadReader done = new RequestHeadReader(8192, 100, true);
        done.feed(bytes(UPGRADE));
        ByteBuffer more = bytes("GET / HTTP/1.1\r\n\r\n");
        assertThat(done.feed(more)).isEqualTo(Status.COMPLETE);
        assertThat(more.position()).isZero();

        RequestHeadReader rejected = new RequestHeadReader(512, 100, true);
        rejected.feed(bytes("x".repeat(600)));
        ByteBuffer after = bytes("\r\n\r\n");
        assertThat(rejected.feed(after)).isEqualTo(Status.TOO_LARGE);
        assertThat(after.position()).isZero();
    }

    @Test
    void shouldAnswer431NamingTheLimitThatWasBroken() {
        RequestHeadReader large = new RequestHeadReader(512, 100, false);
        large.feed(bytes("x".repeat(513)));
        UpgradeDecision.Reject r = large.rejection();
        assertThat(r.status()).isEqualTo(431);
        assertThat(r.reasonPhrase()).isEqualTo("Request Header Fields Too Large");
        assertThat(r.reason()).isEqualTo("the request head is larger than 512 bytes");

        RequestHeadReader many = new RequestHeadReader(8192, 5, false);
        many.feed(bytes(head(800, 1)));
        assertThat(many.rejection().reason()).isEqualTo("the request has more than 5 header lines");
    }

    @Test
    void shouldWriteTheRejectionAsAClosingHttpResponse() {
        RequestHeadReader large = new RequestHeadReader(512, 100, false);
        large.feed(bytes("x".repeat(513)));
        String response = new String(large.rejection().toHttpResponse(), StandardCharsets.UTF_8);
        String body = "431 Request Header Fields Too Large: the request head is larger than 512 bytes\n";
        assertThat(response).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + body.length() + "\r\n"
                + "Connection: close\r\n\r\n" + body);
        String withHeader = new String(new UpgradeDecision.Reject(405, "GET only", Map.of("Allow", "GET"))
                .toHttpResponse(), StandardCharsets.UTF_8);
        assertThat(withHeader).startsWith("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\n")
                .contains("\r\nConnection: close\r\n\r\n405 Method Not Allowed: GET only\n");
    }

    @Test
    void shouldRefuseMisuse() {
        RequestHeadReader counting = RequestHeadReader.counting(ServerConfig.defaults());
        counting.feed(bytes(UPGRADE));
        assertThatThrownBy(counting::head).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("counting");
        assertThatThrownBy(counting::rejection).isInstanceOf(IllegalStateException.class);
        RequestHeadReader partial = RequestHeadReader.buffering(ServerConfig.defaults());
        partial.feed(bytes("GET /ws"));
        assertThatThrownBy(partial::head).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("NEED_MORE");
        assertThatThrownBy(() -> new RequestHeadReader(0, 1, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxSize must be 1 or more, was 0");
        assertThatThrownBy(() -> new RequestHeadReader(1, -1, false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldTakeTheLimitsFromTheConfig() {
        ServerConfig c = ServerConfig.builder().maxRequestHeaderSize(600).maxRequestHeaders(6).build();
        RequestHeadReader r = RequestHeadReader.buffering(c);
        assertThat(r.feed(bytes(head(600, 0)))).isEqualTo(Status.COMPLETE);
        assertThat(RequestHeadReader.buffering(c).feed(bytes(head(601, 0)))).isEqualTo(Status.TOO_LARGE);
        assertThat(RequestHeadReader.counting(c).feed(bytes(head(600, 1)))).isEqualTo(Status.TOO_MANY_HEADERS);
        assertThat(r.toString()).isEqualTo("RequestHeadReader[COMPLETE, 600 of 600 bytes, 6 of 6 header lines]");
    }
}
