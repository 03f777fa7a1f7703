package dev.affinity.proxy.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.proxy.config.SourceLocation;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ProxyPassTest {

    private static ProxyPass proxyPass(String path, String url) {
        return new ProxyPass(false, path, Optional.of(url), SourceLocation.api());
    }

    private static ProxyPass proxyPassMatch(String regex, String url) {
        return new ProxyPass(true, regex, Optional.of(url), SourceLocation.api());
    }

    private static ProxyPass exclude(String path) {
        return new ProxyPass(false, path, Optional.empty(), SourceLocation.api());
    }

    /** The URL a rule maps the request to, or "no match". */
    private static String map(ProxyPass rule, String path, String query) {
        return rule.map(path, query, rule.compiled())
                .map(outcome -> assertInstanceOf(ProxyPass.Mapped.class, outcome).url())
                .orElse("no match");
    }

    @Nested
    class AliasMatch {

        @Test
        void pathMatchesItselfAndWhatIsBelowIt() {
            assertEquals(4, ProxyPass.prefixLength("/app", "/app"));
            assertEquals(4, ProxyPass.prefixLength("/app/x", "/app"));
        }

        @Test
        void pathMatchesWholeSegmentsOnly() {
            assertEquals(-1, ProxyPass.prefixLength("/apple", "/app"));
            assertEquals(-1, ProxyPass.prefixLength("/ap", "/app"));
        }

        @Test
        void aTrailingSlashInTheRuleMustBeInTheRequest() {
            assertEquals(-1, ProxyPass.prefixLength("/app", "/app/"));
            assertEquals(5, ProxyPass.prefixLength("/app/", "/app/"));
            assertEquals(5, ProxyPass.prefixLength("/app/x", "/app/"));
        }

        @Test
        void aSlashInTheRuleMatchesARunOfSlashes() {
            assertEquals(7, ProxyPass.prefixLength("/app//x", "/app/x"));
            assertEquals(5, ProxyPass.prefixLength("//app/x", "/app"));
            assertEquals(4, ProxyPass.prefixLength("/app//x", "/app"), "the run after the match stays in the rest");
        }

        @Test
        void rootMatchesEverything() {
            assertEquals(1, ProxyPass.prefixLength("/", "/"));
            assertEquals(1, ProxyPass.prefixLength("/anything/at/all", "/"));
        }

        @Test
        void matchIsCaseSensitive() {
            assertEquals(-1, ProxyPass.prefixLength("/App/x", "/app"));
        }
    }

    @Nested
    class Mapping {

        @Test
        void theRestOfThePathAndTheQueryFollowTheTarget() {
            ProxyPass rule = proxyPass("/app", "balancer://c/base");

            assertEquals("balancer://c/base/x?q=1", map(rule, "/app/x", "q=1"));
            assertEquals("balancer://c/base", map(rule, "/app", null));
            assertEquals("no match", map(rule, "/apple", null));
        }

        @Test
        void slashesAreNotEvenedOutBetweenPathAndTarget() {
            // httpd's documentation: "If the first argument ends with a trailing /, the second argument
            // should also end with a trailing /, and vice versa." It does not repair a mismatch.
            assertEquals("balancer://c//x", map(proxyPass("/app", "balancer://c/"), "/app/x", null));
            assertEquals("balancer://cx", map(proxyPass("/app/", "balancer://c"), "/app/x", null));
        }

        @Test
        void rootToRoot() {
            assertEquals("http://127.0.0.1:9001/cart?item=3",
                    map(proxyPass("/", "http://127.0.0.1:9001/"), "/cart", "item=3"));
        }

        @Test
        void pathStaysPercentEncoded() {
            assertEquals("balancer://c/a%20b", map(proxyPass("/", "balancer://c/"), "/a%20b", null));
        }

        @Test
        void aPathMustStartWithASlash() {
            assertThrows(IllegalArgumentException.class, () -> proxyPass("app", "balancer://c/"));
        }
    }

    @Nested
    class Match {

        @Test
        void groupsAreSubstitutedAndTheQueryAppended() {
            ProxyPass rule = proxyPassMatch("^(/.*)$", "balancer://mycluster$1");

            assertEquals("balancer://mycluster/shop/cart?item=3", map(rule, "/shop/cart", "item=3"));
            assertEquals("balancer://mycluster/", map(rule, "/", null));
        }

        @Test
        void severalGroups() {
            ProxyPass rule = proxyPassMatch("^/(\\w+)/(\\d+)$", "http://127.0.0.1:9001/$1?id=$2");

            assertEquals("http://127.0.0.1:9001/user?id=42", map(rule, "/user/42", null));
        }

        @Test
        void theQueryIsNotAppendedWhenTheTargetAlreadyHasOne() {
            ProxyPass rule = proxyPassMatch("^/search/(.*)$", "http://127.0.0.1:9001/find?q=$1");

            assertEquals("http://127.0.0.1:9001/find?q=shoes", map(rule, "/search/shoes", "page=2"));
        }

        @Test
        void theRegexSearchesThePathRatherThanMatchingAllOfIt() {
            ProxyPass rule = proxyPassMatch("\\.php$", "http://127.0.0.1:9001/index.php");

            assertEquals("http://127.0.0.1:9001/index.php", map(rule, "/blog/post.php", null));
            assertEquals("no match", map(rule, "/blog/post.html", null));
        }

        @Test
        void escapedDollarIsLiteralAndAMissingGroupIsEmpty() {
            ProxyPass rule = proxyPassMatch("^/p/(a)?(.*)$", "http://127.0.0.1:9001/\\$x$1-$2");

            assertEquals("http://127.0.0.1:9001/$x-rest", map(rule, "/p/rest", null));
        }

        @Test
        void aRegexThatDoesNotCompileIsRefused() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> proxyPassMatch("^(/.*$", "balancer://c$1"));

            assertTrue(e.getMessage().startsWith("ProxyPassMatch regex '^(/.*$' does not compile"), e.getMessage());
        }
    }

    @Nested
    class Exclusion {

        @Test
        void bangExcludesThePathAndWhatIsBelowIt() {
            ProxyPass rule = exclude("/static");

            assertInstanceOf(ProxyPass.Excluded.class, rule.map("/static", null, null).orElseThrow());
            assertInstanceOf(ProxyPass.Excluded.class, rule.map("/static/logo.png", null, null).orElseThrow());
            assertEquals(Optional.empty(), rule.map("/statistics", null, null));
        }

        @Test
        void bangWithARegex() {
            ProxyPass rule = new ProxyPass(true, "\\.(gif|png)$", Optional.empty(), SourceLocation.api());

            assertInstanceOf(ProxyPass.Excluded.class, rule.map("/img/logo.png", null, rule.compiled()).orElseThrow());
            assertEquals(Optional.empty(), rule.map("/img/logo.svg", null, rule.compiled()));
        }
    }

    @Nested
    class Table {

        @Test
        void theFirstMatchingRuleInConfigOrderWins() {
            ProxyPass exclusion = exclude("/app/static");
            ProxyPass app = proxyPass("/app", "balancer://app");
            ProxyPass everything = proxyPass("/", "balancer://site/");
            ProxyPassTable table = new ProxyPassTable(List.of(exclusion, app, everything));

            assertSame(exclusion, assertInstanceOf(ProxyPass.Excluded.class,
                    table.map("/app/static/a.css", null).orElseThrow()).rule());
            assertEquals(new ProxyPass.Mapped(app, "balancer://app/x"), table.map("/app/x", null).orElseThrow());
            assertEquals(new ProxyPass.Mapped(everything, "balancer://site/apple"), table.map("/apple", null).orElseThrow());
        }

        @Test
        void aBroadRuleFirstHidesTheNarrowOnesAfterIt() {
            ProxyPass everything = proxyPass("/", "balancer://site/");
            ProxyPassTable table = new ProxyPassTable(List.of(everything, exclude("/static")));

            assertEquals(new ProxyPass.Mapped(everything, "balancer://site/static/a.css"),
                    table.map("/static/a.css", null).orElseThrow());
        }

        @Test
        void noMatchingRuleMeansNoOutcome() {
            ProxyPassTable table = new ProxyPassTable(List.of(proxyPass("/app", "balancer://app")));

            assertEquals(Optional.empty(), table.map("/other", null));
        }

        @Test
        void regexAndPrefixRulesMix() {
            ProxyPass api = proxyPassMatch("^/api/v(\\d+)/(.*)$", "balancer://api/v$1/$2");
            ProxyPass everything = proxyPass("/", "balancer://site/");
            ProxyPassTable table = new ProxyPassTable(List.of(api, everything));

            assertEquals(new ProxyPass.Mapped(api, "balancer://api/v2/users?page=3"),
                    table.map("/api/v2/users", "page=3").orElseThrow());
            assertEquals(new ProxyPass.Mapped(everything, "balancer://site/api/users"),
                    table.map("/api/users", null).orElseThrow());
        }
    }
}
