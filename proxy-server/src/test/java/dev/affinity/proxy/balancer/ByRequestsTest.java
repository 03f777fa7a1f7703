package dev.affinity.proxy.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * lbmethod=byrequests as a {@link Balancer} runs it. Members are called A, B, C… and each answers to
 * its letter as route, so a pick reads as the member's name and a sticky request names it in the
 * cookie {@code BALANCEID=session.A}. The clock is fake: retry windows pass when a test says so.
 */
class ByRequestsTest {

    private final AtomicLong nanos = new AtomicLong();

    private Balancer balancer(BalancerConfig config) {
        return new Balancer(config, nanos::get);
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    /** Members A, B, C… with these loadfactors. */
    private static BalancerConfig loadfactors(int... loadFactors) {
        BalancerConfig config = BalancerConfig.named("mycluster");
        for (int i = 0; i < loadFactors.length; i++) {
            config = config.withMember(member(i).withLoadFactor(loadFactors[i]));
        }
        return config;
    }

    /** Members A, B, C… with these status values ("" for none). */
    private static BalancerConfig statuses(String... statuses) {
        BalancerConfig config = BalancerConfig.named("mycluster").with("stickysession", "BALANCEID");
        for (int i = 0; i < statuses.length; i++) {
            MemberConfig m = member(i);
            config = config.withMember(statuses[i].isEmpty() ? m : m.with("status", statuses[i]));
        }
        return config;
    }

    private static MemberConfig member(int i) {
        return MemberConfig.of("http://127.0.0.1:" + (9001 + i)).withRoute(String.valueOf((char) ('A' + i)));
    }

    private static Selection balanced(Balancer b) {
        return b.select("/", List.of(), Set.of());
    }

    private static Selection stickyTo(Balancer b, String route) {
        return b.select("/", List.of("BALANCEID=session." + route), Set.of());
    }

    private static String name(Selection s) {
        return s.member().map(Member::route).orElse("none");
    }

    private static List<String> picks(Balancer b, int n) {
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            picks.add(name(balanced(b)));
        }
        return picks;
    }

    private static Member member(Balancer b, String route) {
        return b.members().stream().filter(m -> m.route().equals(route)).findFirst().orElseThrow();
    }

    @Nested
    class Schedule {

        @Test
        void equalLoadfactorsAlternate() {
            assertEquals(List.of("A", "B", "A", "B", "A", "B"), picks(balancer(loadfactors(1, 1)), 6));
        }

        @Test
        void loadfactorsOneTwoThreeGiveTheDocumentedSchedule() {
            Balancer b = balancer(loadfactors(1, 2, 3));

            assertEquals(List.of("C", "B", "A", "C", "B", "C"), picks(b, 6));
            assertEquals(List.of("C", "B", "A", "C", "B", "C"), picks(b, 6), "and it repeats");
        }

        @Test
        void decimalLoadfactorsCountInHundredthsAsInHttpd() {
            BalancerConfig config = BalancerConfig.named("c")
                    .withMember(member(0).with("loadfactor", "1.5"))
                    .withMember(member(1).with("loadfactor", "1"));

            // The sequence httpd 2.4.71 served for loadfactors 1.5 and 1 from a fresh start.
            assertEquals(List.of("A", "B", "A", "B", "A", "A", "B", "A", "B", "A"), picks(balancer(config), 10));
        }

        @Test
        void eachMemberGetsExactlyItsShare() {
            Map<String, Integer> counts = new TreeMap<>();
            for (String pick : picks(balancer(loadfactors(1, 2, 3)), 600)) {
                counts.merge(pick, 1, Integer::sum);
            }

            assertEquals(Map.of("A", 100, "B", 200, "C", 300), counts);
        }
    }

    @Nested
    class StickyRequestsCountInTheBalance {

        private final Balancer b = balancer(loadfactors(1, 1).with("stickysession", "BALANCEID"));

        @Test
        void aStickyRequestToTheFirstPickMakesTheNextBalancedPickTheOther() {
            Selection sticky = stickyTo(b, "A");

            assertTrue(sticky.sticky());
            assertEquals("A", name(sticky));
            assertEquals("B", name(balanced(b)), "without the sticky request, the first pick would be A");
        }

        @Test
        void aStickyRequestBetweenTwoBalancedOnesTakesItsTurn() {
            assertEquals("A", name(balanced(b)));
            assertEquals("B", name(stickyTo(b, "B")));
            assertEquals("A", name(balanced(b)), "B had its turn through its session; alone, byrequests would pick B");
        }

        @Test
        void httpdsExampleStickyToABetweenTwoBalanced() {
            assertEquals("A", name(balanced(b)));
            assertEquals("A", name(stickyTo(b, "A")));
            assertEquals(List.of("B", "B", "A"), picks(b, 3), "A has had two requests, so B catches up");
        }
    }

    @Nested
    class Statuses {

        @Test
        void disabledAndStoppedMembersAreNeverPicked() {
            Balancer b = balancer(statuses("", "+D", "+S"));

            assertEquals(List.of("A", "A", "A", "A", "A", "A"), picks(b, 6));
            Selection toDisabled = stickyTo(b, "B");
            assertEquals("A", name(toDisabled));
            assertFalse(toDisabled.sticky());
            assertEquals("A", name(stickyTo(b, "C")));
        }

        @Test
        void hotStandbyIsUsedOnlyWhenNoOtherMemberIsUsable() {
            Balancer b = balancer(statuses("", "", "+H"));
            assertEquals(List.of("A", "B", "A", "B"), picks(b, 4));

            member(b, "A").markInError("connection refused");
            member(b, "B").markInError("connection refused");
            assertEquals(List.of("C", "C"), picks(b, 2));

            advance(MemberConfig.DEFAULT_RETRY);
            assertFalse(picks(b, 2).contains("C"), "A and B are back after their retry window");
        }

        @Test
        void aHotSpareStandsInForEachUnusableMemberOfItsLbset() {
            Balancer b = balancer(statuses("", "", "+R"));
            assertEquals(List.of("A", "B", "A", "B"), picks(b, 4), "while A and B are up, the spare waits");

            member(b, "A").markInError("connection refused");
            assertEquals(List.of("B", "C", "B", "C"), picks(b, 4), "one member down, one spare in");
        }

        @Test
        void aDrainingMemberIsReplacedByASpare() {
            Balancer b = balancer(statuses("+N", "+R"));
            assertEquals(List.of("B", "B"), picks(b, 2));
        }

        @Test
        void lowerLbsetsAreUsedFirst() {
            BalancerConfig config = BalancerConfig.named("c")
                    .withMember(member(0))
                    .withMember(member(1).with("lbset", "1"))
                    .withMember(member(2).with("lbset", "1"));
            Balancer b = balancer(config);
            assertEquals(List.of("A", "A", "A"), picks(b, 3), "lbset 1 waits while lbset 0 has a usable member");

            member(b, "A").markInError("connection refused");
            assertEquals(List.of("B", "C", "B", "C"), picks(b, 4));
        }

        @Test
        void drainingMemberGetsOnlyStickyRequests() {
            Balancer b = balancer(statuses("", "+N"));

            assertEquals(List.of("A", "A", "A", "A"), picks(b, 4));
            Selection sticky = stickyTo(b, "B");
            assertEquals("B", name(sticky));
            assertTrue(sticky.sticky());
        }

        @Test
        void memberInErrorIsSkippedUntilItsRetryWindowHasPassed() {
            Balancer b = balancer(BalancerConfig.named("mycluster")
                    .withMember(member(0).with("retry", "10"))
                    .withMember(member(1)));
            Member a = member(b, "A");

            a.markInError("connection refused");
            assertEquals(List.of("B", "B", "B"), picks(b, 3));

            advance(Duration.ofSeconds(9));
            assertEquals(List.of("B", "B"), picks(b, 2));
            assertTrue(a.inError());

            advance(Duration.ofSeconds(1));
            assertTrue(picks(b, 2).contains("A"), "tried again once 10 s have passed");
            assertFalse(a.inError());
        }

        @Test
        void ignoreErrorsKeepsAMemberInTheRotation() {
            Balancer b = balancer(statuses("+I", ""));

            member(b, "A").markInError("connection refused");

            assertFalse(member(b, "A").inError());
            assertEquals(List.of("A", "B", "A", "B"), picks(b, 4));
        }

        @Test
        void inErrorStatusStartsTheMemberInErrorForItsRetryWindow() {
            Balancer b = balancer(BalancerConfig.named("mycluster")
                    .withMember(member(0).with("status", "+E").with("retry", "5"))
                    .withMember(member(1)));

            assertEquals(List.of("B", "B", "B"), picks(b, 3));

            advance(Duration.ofSeconds(5));
            assertTrue(picks(b, 2).contains("A"));
        }
    }

    @Nested
    class ForceRecovery {

        @Test
        void whenEveryMemberIsInErrorTheyAreAllTriedAgain() {
            Balancer b = balancer(loadfactors(1, 1));
            b.members().forEach(m -> m.markInError("connection refused"));

            assertTrue(balanced(b).member().isPresent());
            assertTrue(b.members().stream().noneMatch(Member::inError));
        }

        @Test
        void aStickyRequestGoesBackToItsOwnMember() {
            Balancer b = balancer(loadfactors(1, 1).with("stickysession", "BALANCEID").with("nofailover", "On"));
            b.members().forEach(m -> m.markInError("connection refused"));

            Selection s = stickyTo(b, "B");

            assertEquals("B", name(s));
            assertTrue(s.sticky());
        }

        @Test
        void offLeavesThemInErrorAndSelectsNone() {
            Balancer b = balancer(loadfactors(1, 1).with("forcerecovery", "Off"));
            b.members().forEach(m -> m.markInError("connection refused"));

            Selection s = balanced(b);

            assertEquals("none", name(s));
            assertTrue(s.why().contains("has no usable member"), s.why());
            assertTrue(b.members().stream().allMatch(Member::inError));
        }

        @Test
        void aDisabledMemberIsNotInErrorSoNothingIsForced() {
            Balancer b = balancer(statuses("", "+D"));
            member(b, "A").markInError("connection refused");

            assertEquals("none", name(balanced(b)));
        }
    }

    @Nested
    class NoFailover {

        private final Balancer b = balancer(statuses("", "", "+D").with("nofailover", "On"));

        @Test
        void routeOfAMemberInErrorGetsNoMember() {
            member(b, "A").markInError("connection refused");

            Selection s = stickyTo(b, "A");

            assertEquals("none", name(s));
            assertTrue(s.why().contains("route 'A'") && s.why().contains("nofailover"), s.why());
        }

        @Test
        void routeOfADisabledMemberGetsNoMember() {
            assertEquals("none", name(stickyTo(b, "C")));
        }

        @Test
        void routeThatNoMemberHasIsBalancedAsInHttpd() {
            Selection s = stickyTo(b, "Z");

            assertEquals("A", name(s));
            assertFalse(s.sticky());
        }

        @Test
        void noRouteIsBalanced() {
            assertEquals(List.of("A", "B", "A"), picks(b, 3));
        }

        @Test
        void withFailoverARouteOfAMemberInErrorIsBalancedElsewhere() {
            Balancer failover = balancer(statuses("", ""));
            member(failover, "A").markInError("connection refused");

            Selection s = stickyTo(failover, "A");

            assertEquals("B", name(s));
            assertFalse(s.sticky());
        }
    }

    @Nested
    class Tried {

        private final Balancer b = balancer(statuses("", ""));

        @Test
        void aMemberTheRequestFailedOnIsNotPickedAgain() {
            Member a = member(b, "A");

            for (int i = 0; i < 3; i++) {
                assertEquals("B", name(b.select("/", List.of(), Set.of(a))));
            }
        }

        @Test
        void notEvenByItsRoute() {
            Selection s = b.select("/", List.of("BALANCEID=session.A"), Set.of(member(b, "A")));

            assertEquals("B", name(s));
            assertFalse(s.sticky());
        }

        @Test
        void whenEveryMemberWasTriedThereIsNone() {
            assertEquals("none", name(b.select("/", List.of(), Set.copyOf(b.members()))));
        }
    }
}
