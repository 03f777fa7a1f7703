package dev.affinity.proxy.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class StickySessionTest {

    private static final StickySession BALANCEID = StickySession.parse("BALANCEID");
    private static final List<String> NO_COOKIES = List.of();

    private static Optional<String> route(StickySession sticky, String target, String... cookieHeaders) {
        return sticky.route(target, List.of(cookieHeaders));
    }

    @Nested
    class RouteIsTheTextAfterTheFirstSeparator {

        @Test
        void sessionValueWithOneSeparator() {
            assertEquals(Optional.of("node1"), BALANCEID.routeOf("balancer.node1"));
        }

        @Test
        void laterSeparatorsBelongToTheRoute() {
            assertEquals(Optional.of("b.node2"), BALANCEID.routeOf("a.b.node2"));
        }

        @Test
        void noSeparatorMeansNoRoute() {
            assertEquals(Optional.empty(), BALANCEID.routeOf("node1"));
            assertEquals(Optional.empty(), route(BALANCEID, "/", "BALANCEID=node1"));
        }

        @Test
        void nothingAfterTheSeparatorMeansNoRoute() {
            assertEquals(Optional.empty(), BALANCEID.routeOf("balancer."));
            assertEquals(Optional.empty(), route(BALANCEID, "/", "BALANCEID=balancer."));
        }

        @Test
        void stickysessionsepChangesTheSeparator() {
            StickySession colon = BALANCEID.withSeparator(':');

            assertEquals(Optional.of("node2"), route(colon, "/", "BALANCEID=abc:node2"));
            assertEquals(Optional.of("node2.x"), route(colon, "/", "BALANCEID=a.b:node2.x"));
            assertEquals(Optional.empty(), route(colon, "/", "BALANCEID=abc.node2"));
        }

        @Test
        void stickysessionsepOffMakesTheWholeValueTheRoute() {
            StickySession off = BALANCEID.withSeparator(StickySession.NO_SEPARATOR);

            assertEquals(Optional.of("node2"), route(off, "/", "BALANCEID=node2"));
            assertEquals(Optional.of("a.node2"), route(off, "/", "BALANCEID=a.node2"));
        }
    }

    @Nested
    class UrlComesBeforeTheCookie {

        private static final String COOKIE = "BALANCEID=balancer.node1";

        @Test
        void pathParameterBeatsTheCookie() {
            assertEquals(Optional.of("node2"), route(BALANCEID, "/cart;BALANCEID=x.node2", COOKIE));
        }

        @Test
        void queryParameterBeatsTheCookie() {
            assertEquals(Optional.of("node2"), route(BALANCEID, "/cart?BALANCEID=x.node2", COOKIE));
            assertEquals(Optional.of("node2"), route(BALANCEID, "/cart?item=3&BALANCEID=x.node2&size=L", COOKIE));
        }

        @Test
        void queryValueEndsAtTheNextParameter() {
            assertEquals(Optional.of("node2"), route(BALANCEID, "/cart;BALANCEID=x.node2?item=3"));
        }

        @Test
        void aNameThatOnlyEndsInTheStickyNameDoesNotCount() {
            assertEquals(Optional.of("node1"), route(BALANCEID, "/cart?XBALANCEID=x.node2", COOKIE));
            assertEquals(Optional.of("node1"), route(BALANCEID, "/cart;XBALANCEID=x.node2", COOKIE));
        }

        @Test
        void withoutUrlParameterTheCookieDecides() {
            assertEquals(Optional.of("node1"), route(BALANCEID, "/cart?item=3", COOKIE));
        }

        @Test
        void aUrlValueWithoutRouteStillHidesTheCookie() {
            // httpd's find_session_route takes the URL value if there is one and only then the cookie.
            assertEquals(Optional.empty(), route(BALANCEID, "/cart;BALANCEID=abc", COOKIE));
        }

        @Test
        void semicolonEndsTheValueOnlyWithScolonpathdelim() {
            String target = "/cart;BALANCEID=x.node2;other=1";

            assertEquals(Optional.of("node2;other=1"), route(BALANCEID, target));
            assertEquals(Optional.of("node2"), route(BALANCEID.withSemicolonEnds(true), target));
        }
    }

    @Nested
    class CookieAndUrlNamesMayDiffer {

        private final StickySession jsessionid = StickySession.parse("JSESSIONID|jsessionid");

        @Test
        void theBarSeparatesTheCookieNameFromTheUrlName() {
            assertEquals("JSESSIONID", jsessionid.cookieName());
            assertEquals("jsessionid", jsessionid.urlName());
            assertEquals("JSESSIONID|jsessionid", jsessionid.names());
        }

        @Test
        void theCookieIsReadUnderTheCookieName() {
            assertEquals(Optional.of("node1"), route(jsessionid, "/", "JSESSIONID=A1B2.node1"));
            assertEquals(Optional.empty(), route(jsessionid, "/", "jsessionid=A1B2.node1"));
        }

        @Test
        void theUrlIsReadUnderTheUrlName() {
            assertEquals(Optional.of("node2"), route(jsessionid, "/app;jsessionid=A1B2.node2", "JSESSIONID=A1B2.node1"));
            assertEquals(Optional.of("node1"), route(jsessionid, "/app;JSESSIONID=A1B2.node2", "JSESSIONID=A1B2.node1"));
        }

        @Test
        void aNameMustNotBeEmpty() {
            assertThrows(IllegalArgumentException.class, () -> StickySession.parse("JSESSIONID|"));
        }
    }

    @Nested
    class Cookies {

        @Test
        void foundAmongSeveralCookies() {
            assertEquals(Optional.of("node2"), route(BALANCEID, "/", "theme=dark; BALANCEID=abc.node2; lang=en"));
        }

        @Test
        void foundInASecondCookieHeader() {
            assertEquals(Optional.of("node2"), route(BALANCEID, "/", "theme=dark; lang=en", "BALANCEID=abc.node2"));
        }

        @Test
        void theFirstOneWins() {
            assertEquals(Optional.of("node1"), route(BALANCEID, "/", "BALANCEID=abc.node1", "BALANCEID=abc.node2"));
        }

        @Test
        void quotesAroundTheValueAreDropped() {
            assertEquals(Optional.of("node1"), route(BALANCEID, "/", "BALANCEID=\"abc.node1\""));
        }

        @Test
        void spacesAroundNameAndValueAreIgnored() {
            assertEquals(Optional.of("node1"), route(BALANCEID, "/", "theme=dark;   BALANCEID = abc.node1  ;lang=en"));
        }

        @Test
        void anotherCookieWhoseNameEndsInTheStickyNameDoesNotCount() {
            assertEquals(Optional.of("node1"), route(BALANCEID, "/", "XBALANCEID=abc.node9; BALANCEID=abc.node1"));
            assertEquals(Optional.empty(), route(BALANCEID, "/", "XBALANCEID=abc.node9"));
        }

        @Test
        void anotherCookieWhoseNameStartsWithTheStickyNameDoesNotCount() {
            assertEquals(Optional.of("node1"), route(BALANCEID, "/", "BALANCEIDX=abc.node9; BALANCEID=abc.node1"));
            assertEquals(Optional.empty(), route(BALANCEID, "/", "BALANCEID X=abc.node9"));
            assertEquals(Optional.empty(), route(BALANCEID, "/", "BALANCEI=abc.node9"));
        }

        @Test
        void tabsAroundTheNameAreIgnoredToo() {
            assertEquals(Optional.of("node1"), route(BALANCEID, "/", "theme=dark;\tBALANCEID\t=abc.node1"));
        }

        @Test
        void cookieNamesAreCaseSensitive() {
            assertEquals(Optional.empty(), route(BALANCEID, "/", "balanceid=abc.node1"));
        }

        @Test
        void noCookieNoRoute() {
            assertEquals(Optional.empty(), BALANCEID.route("/", NO_COOKIES));
            assertEquals(Optional.empty(), route(BALANCEID, "/", "BALANCEID="));
        }
    }
}
