package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class PageServerTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private PageServer page;

    @BeforeEach
    void start() throws Exception {
        page = PageServer.start("127.0.0.1", 0, 4567, "/chat\"</script>");
    }

    @AfterEach
    void stop() {
        page.close();
    }

    private HttpResponse<String> request(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(page.uri().resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldListenOnAnEphemeralLoopbackPort() {
        assertThat(page.uri().toString()).matches("http://127\\.0\\.0\\.1:\\d+/");
        assertThat(page.uri().getPort()).isPositive();
    }

    @Test
    void shouldServeThePageAsUtf8Html() throws Exception {
        HttpResponse<String> r = request("GET", "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.body()).startsWith("<!DOCTYPE html>").contains("<script src=\"config.js\"></script>",
                "id=\"name\"", "id=\"messages\"", "id=\"text\"", "id=\"state\"");
    }

    @Test
    void shouldEscapeWhatThePageDisplays() throws Exception {
        String body = request("GET", "/").body();
        assertThat(body).contains(".textContent = text", ".textContent = name")
                .doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(");
    }

    @Test
    void shouldTellThePageWhereTheWebSocketIsAsSafeJavaScript() throws Exception {
        HttpResponse<String> r = request("GET", "/config.js");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(r.body()).isEqualTo(
                "window.WSHUB_CHAT = {\"port\": 4567, \"path\": \"/chat\\u0022\\u003c/script\\u003e\"};\n");
    }

    @Test
    void shouldAnswerHeadWithoutABody() throws Exception {
        HttpResponse<String> r = request("HEAD", "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void shouldRefuseOtherPathsAndMethods() throws Exception {
        assertThat(request("GET", "/secret").statusCode()).isEqualTo(404);
        HttpResponse<String> post = request("POST", "/");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
}
