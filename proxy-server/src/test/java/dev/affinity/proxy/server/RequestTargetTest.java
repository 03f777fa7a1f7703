package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.proxy.testing.Proxies;
import dev.affinity.proxy.testing.RawHttp;
import dev.affinity.proxy.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The request targets httpd 2.4 forwards reach the member as httpd sends them (compared with httpd
 * on loopback): characters a URI may not hold percent-encoded, escapes of unreserved characters
 * decoded, other escapes as they came. Every spelling of an excluded path is excluded. The targets a
 * member could resolve to another path than the one mapped, and bytes that are not UTF-8, get 400
 * and never reach it. Targets are written as ISO-8859-1 strings, one character per byte sent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestTargetTest {

    private TestBackend backend;
    private AffinityProxy proxy;

    @BeforeAll
    void start() throws Exception {
        backend = TestBackend.start("node1", "127.0.0.2");
        proxy = Proxies.start("""
                ProxyPass /static !
                ProxyPass /app/private !
                ProxyPass /app/%7Eadmin !
                ProxyPassMatch ^/app/caf%C3%A9$ !
                ProxyPassMatch ^/app/a%7Cb$ !
                """ + "ProxyPass /app " + backend.url() + "/app\n");
    }

    @AfterAll
    void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    private int received;

    @BeforeEach
    void countSoFar() {
        received = backend.requestCount();
    }

    private RawHttp.Response get(String target) throws Exception {
        return RawHttp.exchange("127.0.0.1", proxy.port(), "GET " + target + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    }

    /** A chunked body: HttpClient's leg, not the pooled connections'. */
    private RawHttp.Response postChunked(String target) throws Exception {
        return RawHttp.exchange("127.0.0.1", proxy.port(), "POST " + target + " HTTP/1.1\r\nHost: a\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ' ', quoteCharacter = '\'', value = {
        // UTF-8 sent as it is, as curl and other non-browser clients do
        "/app/caf\u00c3\u00a9s /app/caf%C3%A9s",
        // what browsers send as it is in a path
        "/app/a|b^c[d] /app/a%7Cb%5Ec%5Bd%5D",
        "/app/a{b}`c /app/a%7Bb%7D%60c",
        "/app/a\"b<c> /app/a%22b%3Cc%3E",
        // escapes whose meaning is the member's to decide, in upper case as httpd sends them
        "/app/100%25 /app/100%25",
        "/app/caf%e9x /app/caf%E9x",
        "/app/a%c3 /app/a%C3",
        // unreserved characters, which mean the same encoded or not, decoded as httpd decodes them
        "/app/%70ublic/%7Ejo%2Dx /app/public/~jo-x",
        // in the query, which Tomcat takes only encoded
        "/app/q?a[]=1&b=x|y /app/q?a%5B%5D=1&b=x%7Cy",
        "/app/q?x=%E9 /app/q?x=%E9",
    })
    void targetsHttpdForwardsReachTheMemberAsHttpdSendsThem(String sent, String atMember) throws Exception {
        RawHttp.Response response = get(sent);
        assertEquals(200, response.status(), response.body());
        assertEquals(atMember, backend.lastReceived().rawTarget());
        assertEquals(null, backend.lastReceived().header("Transfer-Encoding"));
        RawHttp.Response posted = postChunked(sent);
        assertEquals(200, posted.status(), posted.body());
        assertEquals(atMember, backend.lastReceived().rawTarget(), "through HttpClient");
        // Only HttpClient's leg streams a body of no known length, chunked.
        assertEquals("chunked", backend.lastReceived().header("Transfer-Encoding"));
        assertEquals(5, backend.lastReceived().bodyBytes());
    }

    /** However a client spells an excluded path, it is excluded: a member would read them all alike. */
    @ParameterizedTest
    @ValueSource(strings = {
        "/app/private/x", "/app/%70rivate/x", "/app/priv%61te", "/app/x/../private", "/app/%7Eadmin", "/app/~admin",
        "/app/%7eadmin/x", "/app/caf\u00c3\u00a9", "/app/caf%C3%A9", "/app/caf%c3%a9", "/app/a|b", "/app/a%7Cb", "/app/a%7cb",
    })
    void everySpellingOfAnExcludedPathIsExcluded(String sent) throws Exception {
        assertEquals(404, get(sent).status());
        assertEquals(received, backend.requestCount(), "an excluded path must never reach a member");
    }

    /**
     * Paths a member could resolve to another one than the proxy mapped: an encoded slash or dot
     * segment, "..;" (a dot segment to Tomcat), a backslash (a slash to IIS, or to Tomcat with
     * allowBackslash); and encoded controls.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "/app/%2e%2e/static/x", "/app/..;/static/x", "/app/a%2Fb", "/app/a%2fb", "/app/x\\..\\private",
        "/app/x%5C..%5Cprivate", "/app/a%00b", "/app/a%0Ab", "/app/a%09b", "/app/a%u00e9",
    })
    void targetsAMemberCouldResolveElsewhereAre400(String sent) throws Exception {
        assertEquals(400, get(sent).status());
        assertEquals(400, postChunked(sent).status());
        assertEquals(received, backend.requestCount(), "a refused request must never reach a member");
    }

    /**
     * Bytes that are not UTF-8, sent as they are: Jetty's parser reads the target as UTF-8, so they
     * would reach the member as U+FFFD (%EF%BF%BD) instead of what was sent.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/app/caf\u00e9", "/app/a\u00c3", "/app/q?x=caf\u00e9"})
    void bytesThatAreNotUtf8Are400NotReplaced(String sent) throws Exception {
        RawHttp.Response response = get(sent);
        assertEquals(400, response.status());
        assertTrue(response.body().contains("not UTF-8"), response.body());
        assertEquals(400, postChunked(sent).status());
        assertEquals(received, backend.requestCount(), "a refused request must never reach a member");
    }
}
