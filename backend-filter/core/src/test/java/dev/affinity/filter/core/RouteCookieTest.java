package dev.affinity.filter.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The cookie contract as the filter reads and writes it: route = the text after the first dot. */
class RouteCookieTest {

    private final RouteCookie node1 = cookie("node1", "BALANCEID", "balancer", "/", OptionalInt.empty());

    @Test
    void aClientWithoutCookiesIsNotPinned() {
        assertFalse(node1.pinnedHere(null));
        assertFalse(pinned(node1));
        assertFalse(pinned(node1, ""));
        assertFalse(pinned(node1, "JSESSIONID=abc; other=1"));
    }

    @Test
    void aClientWithThisRouteIsPinnedHere() {
        assertTrue(pinned(node1, "BALANCEID=balancer.node1"));
        assertTrue(pinned(node1, "JSESSIONID=abc; BALANCEID=balancer.node1; theme=dark"));
    }

    @Test
    void onlyTheRouteCountsNotThePrefix() {
        // the proxy ignores the text before the dot, so the filter does too
        assertTrue(pinned(node1, "BALANCEID=anything.node1"));
        assertTrue(pinned(node1, "BALANCEID=.node1"));
    }

    @Test
    void aQuotedValueNamesTheSameRouteAsTheProxyReadsIt() {
        assertTrue(pinned(node1, "BALANCEID=\"balancer.node1\""));
        assertFalse(pinned(node1, "BALANCEID=\"balancer.node2\""));
    }

    @Test
    void aClientPinnedToAnotherNodeIsRepinned() {
        assertFalse(pinned(node1, "BALANCEID=balancer.node2"));
    }

    @Test
    void aValueWithoutADotNamesNoRoute() {
        assertFalse(pinned(node1, "BALANCEID=node1"));
        assertFalse(pinned(node1, "BALANCEID="));
        assertFalse(pinned(node1, "BALANCEID=balancer."));
        assertFalse(pinned(node1, "BALANCEID"));
    }

    @Test
    void theRouteIsTheTextAfterTheFirstDot() {
        // httpd reads balancer.node1.x as route "node1.x", not "x" nor "node1"
        assertFalse(pinned(node1, "BALANCEID=balancer.node1.x"));
        RouteCookie x = cookie("x", "BALANCEID", "balancer", "/", OptionalInt.empty());
        assertFalse(pinned(x, "BALANCEID=balancer.node1.x"));
    }

    @Test
    void aRouteThatIsAPrefixOfAnotherIsNotConfusedWithIt() {
        RouteCookie node10 = cookie("node10", "BALANCEID", "balancer", "/", OptionalInt.empty());
        assertFalse(pinned(node1, "BALANCEID=balancer.node10"));
        assertFalse(pinned(node10, "BALANCEID=balancer.node1"));
        assertTrue(pinned(node10, "BALANCEID=balancer.node10"));
        assertFalse(pinned(node1, "BALANCEID=balancer.node1x; a=b"));
    }

    @Test
    void aCookieWhoseNameOnlyStartsWithOursIsNotOurs() {
        assertFalse(pinned(node1, "BALANCEID2=balancer.node1"));
        assertFalse(pinned(node1, "XBALANCEID=balancer.node1"));
        assertFalse(pinned(node1, "balanceid=balancer.node1"), "cookie names are case-sensitive");
        assertTrue(pinned(node1, "BALANCEID2=balancer.node2; BALANCEID=balancer.node1"));
    }

    @Test
    void ourNameInsideAnotherCookiesValueIsNotOurCookie() {
        assertFalse(pinned(node1, "trap=BALANCEID=balancer.node1"));
        assertTrue(pinned(node1, "trap=BALANCEID=balancer.node2; BALANCEID=balancer.node1"));
    }

    @Test
    void spacesAroundPairsAndTheEqualsSignAreTolerated() {
        assertTrue(pinned(node1, "  BALANCEID=balancer.node1  "));
        assertTrue(pinned(node1, "a=1 ;  BALANCEID=balancer.node1 ; b=2"));
        assertTrue(pinned(node1, "a=1;\tBALANCEID=balancer.node1"));
        assertTrue(pinned(node1, "BALANCEID =balancer.node1"));
        assertTrue(pinned(node1, "a=1;BALANCEID=balancer.node1;b=2"));
    }

    @Test
    void commaSeparatedPairsAreSeparatePairs() {
        // RFC 2965 clients and some proxies join cookies with commas; httpd splits on both
        assertTrue(pinned(node1, "a=1, BALANCEID=balancer.node1"));
        assertTrue(pinned(node1, "BALANCEID=balancer.node1,a=1"));
        assertFalse(pinned(node1, "BALANCEID=balancer.node2, BALANCEID=balancer.node1"));
    }

    @Test
    void theFirstOccurrenceWinsWithinAHeader() {
        assertFalse(pinned(node1, "BALANCEID=balancer.node2; BALANCEID=balancer.node1"));
        assertTrue(pinned(node1, "BALANCEID=balancer.node1; BALANCEID=balancer.node2"));
    }

    @Test
    void theFirstOccurrenceWinsAcrossHeaders() {
        // HTTP/2 clients may send each cookie in a Cookie header of its own
        assertFalse(pinned(node1, "a=1", "BALANCEID=balancer.node2", "BALANCEID=balancer.node1"));
        assertTrue(pinned(node1, "a=1", "BALANCEID=balancer.node1", "BALANCEID=balancer.node2"));
        assertTrue(pinned(node1, "", "JSESSIONID=x", "b=2; BALANCEID=balancer.node1"));
    }

    @Test
    void aConfiguredCookieNameIsTheOneRead() {
        RouteCookie routeId = cookie("node1", "ROUTEID", "lb", "/", OptionalInt.empty());
        assertTrue(pinned(routeId, "ROUTEID=lb.node1"));
        assertFalse(pinned(routeId, "BALANCEID=balancer.node1"));
    }

    @Test
    void theSetCookieValueIsExact() {
        assertEquals("BALANCEID=balancer.node1; Path=/; HttpOnly; SameSite=Lax", node1.setCookie(false));
        assertEquals("BALANCEID=balancer.node1; Path=/; HttpOnly; SameSite=Lax; Secure", node1.setCookie(true));
    }

    @Test
    void theSetCookieValueCarriesTheConfiguredNamePrefixPathAndMaxAge() {
        RouteCookie configured = cookie("node7", "ROUTEID", "lb", "/shop", OptionalInt.of(3600));
        assertEquals("ROUTEID=lb.node7; Path=/shop; Max-Age=3600; HttpOnly; SameSite=Lax", configured.setCookie(false));
        assertEquals("ROUTEID=lb.node7; Path=/shop; Max-Age=3600; HttpOnly; SameSite=Lax; Secure",
                configured.setCookie(true));
    }

    @Test
    void theCookieThisNodeIssuesPinsTheClientHere() {
        String issued = node1.setCookie(false);
        assertTrue(pinned(node1, issued.substring(0, issued.indexOf(';'))));
    }

    @Test
    void aCookieNeedsARoute() {
        FilterSettings none = new FilterSettings(Optional.empty(), "nowhere", "BALANCEID", "balancer", "/",
                OptionalInt.empty(), FilterSettings.When.ALWAYS);
        assertThrows(IllegalArgumentException.class, () -> new RouteCookie(none));
    }

    static RouteCookie cookie(String route, String name, String prefix, String path, OptionalInt maxAge) {
        return new RouteCookie(new FilterSettings(Optional.of(route), "test", name, prefix, path, maxAge,
                FilterSettings.When.ALWAYS));
    }

    private static boolean pinned(RouteCookie cookie, String... cookieHeaders) {
        return cookie.pinnedHere(Collections.enumeration(List.of(cookieHeaders)));
    }
}
