package dev.affinity.proxy.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.affinity.proxy.balancer.BalancerConfig;
import dev.affinity.proxy.balancer.MemberConfig;
import dev.affinity.proxy.config.ProxyConfig;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ResponseRewriterTest {

    private static final ClientOrigin PROXY = new ClientOrigin("http", "proxy.test", 8080);

    private static ResponseRewriter reverse(ReverseRule... rules) {
        return new ResponseRewriter(List.of(rules), List.of(), List.of());
    }

    /** {@code ProxyPassReverse / http://127.0.0.1:9001/}, as in the tutorial. */
    private static final ResponseRewriter TUTORIAL = reverse(new ReverseRule("/", "http://127.0.0.1:9001/"));

    @Nested
    class Location {

        @Test
        void backendUrlBecomesTheProxysUrl() {
            assertEquals("http://proxy.test:8080/welcome", TUTORIAL.url("http://127.0.0.1:9001/welcome", PROXY));
        }

        @Test
        void queryAndFragmentAreKept() {
            assertEquals("http://proxy.test:8080/login?next=/cart#top",
                    TUTORIAL.url("http://127.0.0.1:9001/login?next=/cart#top", PROXY));
        }

        @Test
        void theSchemesDefaultPortIsLeftOut() {
            assertEquals("http://proxy.test/welcome",
                    TUTORIAL.url("http://127.0.0.1:9001/welcome", new ClientOrigin("http", "proxy.test", 80)));
            assertEquals("https://proxy.test/welcome",
                    TUTORIAL.url("http://127.0.0.1:9001/welcome", new ClientOrigin("https", "proxy.test", 443)));
            assertEquals("https://proxy.test:80/welcome",
                    TUTORIAL.url("http://127.0.0.1:9001/welcome", new ClientOrigin("https", "proxy.test", 80)));
        }

        @Test
        void anIpv6ClientHostIsBracketed() {
            assertEquals("http://[::1]:8080/welcome",
                    TUTORIAL.url("http://127.0.0.1:9001/welcome", new ClientOrigin("http", "::1", 8080)));
        }

        @Test
        void schemeAndHostMatchCaseInsensitively() {
            assertEquals("http://proxy.test:8080/welcome", TUTORIAL.url("HTTP://127.0.0.1:9001/welcome", PROXY));
            ResponseRewriter byName = reverse(new ReverseRule("/", "http://Backend.Local:9001/"));
            assertEquals("http://proxy.test:8080/welcome", byName.url("http://backend.local:9001/welcome", PROXY));
        }

        @Test
        void relativeLocationIsLeftAlone() {
            assertEquals("/welcome", TUTORIAL.url("/welcome", PROXY));
        }

        @Test
        void otherUrlsAreLeftAlone() {
            assertEquals("http://127.0.0.1:9002/welcome", TUTORIAL.url("http://127.0.0.1:9002/welcome", PROXY));
            assertEquals("https://127.0.0.1:9001/welcome", TUTORIAL.url("https://127.0.0.1:9001/welcome", PROXY));
            assertEquals("https://www.example.test/", TUTORIAL.url("https://www.example.test/", PROXY));
        }

        @Test
        void theBackendPrefixIsReplacedByTheClientPath() {
            ResponseRewriter shop = reverse(new ReverseRule("/shop/", "http://127.0.0.1:9001/app/"));

            assertEquals("http://proxy.test:8080/shop/cart", shop.url("http://127.0.0.1:9001/app/cart", PROXY));
            assertEquals("http://127.0.0.1:9001/other", shop.url("http://127.0.0.1:9001/other", PROXY));
        }

        @Test
        void aRuleWhoseUrlIsAPathRewritesThePathOfAnyUrl() {
            ResponseRewriter backend = reverse(new ReverseRule("/app/", "/backend/"));

            assertEquals("http://proxy.test:8080/app/x", backend.url("http://127.0.0.1:9001/backend/x", PROXY));
            assertEquals("http://proxy.test:8080/app/x", backend.url("/backend/x", PROXY));
            assertEquals("/other/x", backend.url("/other/x", PROXY));
        }

        @Test
        void theFirstMatchingRuleWins() {
            ResponseRewriter two = reverse(new ReverseRule("/first/", "http://127.0.0.1:9001/"),
                    new ReverseRule("/second/", "http://127.0.0.1:9001/"));

            assertEquals("http://proxy.test:8080/first/x", two.url("http://127.0.0.1:9001/x", PROXY));
        }

        @Test
        void aBalancerUrlStandsForEachOfItsMembers() {
            ProxyConfig config = ProxyConfig.builder()
                    .balancer(BalancerConfig.named("c")
                            .withMember(MemberConfig.of("http://127.0.0.1:9001"))
                            .withMember(MemberConfig.of("http://127.0.0.1:9002/")))
                    .proxyPass("/", "balancer://c/")
                    .proxyPassReverse("/", "balancer://c/")
                    .proxyPassReverse("/shop/", "balancer://c/app/")
                    .build();

            // Each member's URL keeps its slash, so http://127.0.0.1:90015/ is no member's.
            assertEquals(List.of(new ReverseRule("/", "http://127.0.0.1:9001/"), new ReverseRule("/", "http://127.0.0.1:9002/"),
                    new ReverseRule("/shop/", "http://127.0.0.1:9001/app/"), new ReverseRule("/shop/", "http://127.0.0.1:9002/app/")),
                    config.reverse());

            ResponseRewriter rewriter = new ResponseRewriter(config.reverse(), config.cookieDomains(), config.cookiePaths());
            assertEquals("http://proxy.test:8080/welcome", rewriter.url("http://127.0.0.1:9001/welcome", PROXY));
            assertEquals("http://proxy.test:8080/welcome", rewriter.url("http://127.0.0.1:9002/welcome", PROXY));
            assertEquals("http://127.0.0.1:90015/x", rewriter.url("http://127.0.0.1:90015/x", PROXY));
            assertEquals("http://proxy.test:8080/", rewriter.url("http://127.0.0.1:9002", PROXY));
        }
    }

    @Nested
    class SetCookie {

        /** ProxyPassReverseCookieDomain 127.0.0.1 localhost, as in the tutorial. */
        private final ResponseRewriter domains = new ResponseRewriter(List.of(),
                List.of(new CookieRule("127.0.0.1", "localhost"), new CookieRule("backend.local", "proxy.test")), List.of());

        /** ProxyPassReverseCookiePath /app / */
        private final ResponseRewriter paths = new ResponseRewriter(List.of(), List.of(), List.of(new CookieRule("/app", "/")));

        @Test
        void domainThatMatchesIsReplaced() {
            assertEquals("SESSION=abc; Domain=localhost; Path=/", domains.setCookie("SESSION=abc; Domain=127.0.0.1; Path=/"));
        }

        @Test
        void domainMatchesCaseInsensitivelyAndKeepsTheAttributeNameAsWritten() {
            assertEquals("SESSION=abc; domain=proxy.test", domains.setCookie("SESSION=abc; domain=BACKEND.local"));
        }

        @Test
        void domainMatchesWholeNotAsAPrefix() {
            String other = "SESSION=abc; domain=127.0.0.1019; Path=/";

            assertEquals(other, domains.setCookie(other));
        }

        @Test
        void everyOtherByteStaysAsTheBackendWroteIt() {
            assertEquals("id=1;Domain=localhost;  HttpOnly ;Secure;  SameSite=Lax; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
                    domains.setCookie("id=1;Domain=127.0.0.1;  HttpOnly ;Secure;  SameSite=Lax; Expires=Wed, 21 Oct 2026 07:28:00 GMT"));
            assertEquals("id=1;  Domain = localhost ;Path=/", domains.setCookie("id=1;  Domain = 127.0.0.1 ;Path=/"));
        }

        @Test
        void pathThatStartsWithTheBackendPathIsReplacedByThePublicPath() {
            // httpd: "If the beginning of the cookie path matches internal-path, the cookie path will
            // be replaced with public-path." The whole path, not only its prefix (that is nginx's
            // proxy_cookie_path), so /app/x becomes /, never //x.
            assertEquals("SESSION=abc; Path=/; HttpOnly", paths.setCookie("SESSION=abc; Path=/app/x; HttpOnly"));
            assertEquals("SESSION=abc; path=/", paths.setCookie("SESSION=abc; path=/app"));
        }

        @Test
        void pathMatchesCaseSensitively() {
            String upper = "SESSION=abc; Path=/APP/x";

            assertEquals(upper, paths.setCookie(upper));
        }

        @Test
        void pathThatDoesNotStartWithTheBackendPathStays() {
            String other = "SESSION=abc; Path=/other/app";

            assertEquals(other, paths.setCookie(other));
        }

        @Test
        void domainAndPathInOneHeader() {
            ResponseRewriter both = new ResponseRewriter(List.of(), List.of(new CookieRule("127.0.0.1", "localhost")),
                    List.of(new CookieRule("/app", "/shop")));

            assertEquals("SESSION=abc; Path=/shop; Domain=localhost",
                    both.setCookie("SESSION=abc; Path=/app/cart; Domain=127.0.0.1"));
        }

        @Test
        void theCookiesOwnNameAndValueAreNeverRewritten() {
            assertEquals("path=/app; Path=/", paths.setCookie("path=/app; Path=/app/x"));
            assertEquals("Domain=127.0.0.1; Path=/", domains.setCookie("Domain=127.0.0.1; Path=/"));
        }

        @Test
        void withoutCookieRulesTheValueIsReturnedAsIs() {
            assertFalse(TUTORIAL.rewritesCookies());
            assertEquals("SESSION=abc; Domain=127.0.0.1", TUTORIAL.setCookie("SESSION=abc; Domain=127.0.0.1"));
        }
    }
}
