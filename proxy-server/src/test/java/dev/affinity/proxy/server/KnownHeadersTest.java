package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.junit.jupiter.api.Test;

/** KnownHeaders finds what Jetty's own lookups find, from bytes. */
class KnownHeadersTest {

    @Test
    void everyHeaderJettyKnowsIsFoundInAnyCaseAndNothingElse() {
        for (HttpHeader header : HttpHeader.values()) {
            String name = header.asString();
            for (String spelled : new String[] {name, name.toLowerCase(Locale.ROOT), name.toUpperCase(Locale.ROOT)}) {
                assertSame(header, find(" " + spelled + ":"), spelled);
            }
            // Longer or shorter by one may be another header's name (Set-Cookie2): Jetty's lookup decides.
            for (String near : new String[] {name + "x", name.substring(0, name.length() - 1)}) {
                assertEquals(HttpHeader.CACHE.get(near), find(" " + near + ":"), near);
            }
        }
        for (String unknown : new String[] {"X-Node", "x", "Servers", "Content_Type", "Content-Type~"}) {
            assertEquals(HttpHeader.CACHE.get(unknown), find(" " + unknown + ":"), unknown);
        }
    }

    @Test
    void aValueStartingWithACommonOneFindsJettysLongestCachedFieldIgnoringCase() {
        HttpField plain = HttpParser.CACHE.get("Content-Type: text/plain");
        assertSame(plain, cachedPrefix(HttpHeader.CONTENT_TYPE, "text/plain"));
        assertSame(plain, cachedPrefix(HttpHeader.CONTENT_TYPE, "TEXT/Plain"));
        assertSame(HttpParser.CACHE.get("Content-Type: text/html;charset=utf-8"),
                cachedPrefix(HttpHeader.CONTENT_TYPE, "text/html;charset=UTF-8"));
        assertSame(HttpParser.CACHE.get("Content-Type: text/html"), cachedPrefix(HttpHeader.CONTENT_TYPE, "text/htmlx"));
        assertSame(HttpParser.CACHE.get("Connection: keep-alive"), cachedPrefix(HttpHeader.CONNECTION, "Keep-Alive"));
        assertNull(cachedPrefix(HttpHeader.CONTENT_TYPE, "text/plai"));
        assertNull(cachedPrefix(HttpHeader.SERVER, "nginx"));
    }

    /** The header of the name between the first byte and the colon, as a parser reading it would ask. */
    private static HttpHeader find(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        int to = text.lastIndexOf(':');
        int hash = 0;
        for (int i = 1; i < to; i++) {
            hash = KnownHeaders.hashOn(hash, bytes[i]);
        }
        return KnownHeaders.find(bytes, 1, to, hash);
    }

    private static HttpField cachedPrefix(HttpHeader header, String value) {
        byte[] bytes = ("xx" + value).getBytes(StandardCharsets.ISO_8859_1);
        return KnownHeaders.cachedPrefix(header, bytes, 2, value.length());
    }
}
