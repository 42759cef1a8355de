package io.flotilla.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.conditions.ArchConditions;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The state machine's apply and the scheduler are pure: the same state and the same commands give
 * the same result on every replica and in every simulation (Nomad's FSM lint rule forbids time
 * reads in Apply). They take the time and randomness they need as arguments or as an injected
 * {@code InstantSource} / {@code RandomGenerator}; they never read the machine's clock or draw
 * from an unseeded generator themselves.
 */
@AnalyzeClasses(packages = "io.flotilla", importOptions = ImportOption.DoNotIncludeTests.class)
class DeterminismTest {

    /** The leader core (decide, then apply) is held to the same rule as soon as it exists. */
    static final String LEADER_CORE = "io.flotilla.manager.loops.LeaderCore";

    @ArchTest
    static final ArchRule state_and_scheduler_read_no_clock_and_draw_no_randomness = noClasses()
            .that().resideInAnyPackage("io.flotilla.state..", "io.flotilla.scheduler..")
            .should(readTheClockOrDrawRandomness())
            .because("state and scheduler are deterministic: take the time and the randomness as arguments"
                    + " (an InstantSource, a RandomGenerator)");

    @ArchTest
    static final ArchRule the_leader_core_reads_no_clock_and_draws_no_randomness = noClasses()
            .that(leaderCore())
            .should(readTheClockOrDrawRandomness())
            .because("the leader core decides from its inputs alone: take the time and the randomness as arguments"
                    + " (an InstantSource, a RandomGenerator)"); // fails if LeaderCore is renamed away

    /** The leader core class and its nested classes (lambdas compile into the class itself). */
    static DescribedPredicate<JavaClass> leaderCore() {
        return DescribedPredicate.describe("are " + LEADER_CORE + " or nested in it",
                javaClass -> javaClass.getName().equals(LEADER_CORE) || javaClass.getName().startsWith(LEADER_CORE + "$"));
    }

    /** Static methods that read the machine's clock or a process-wide random source. */
    private static final Set<String> CLOCK_AND_RANDOM_METHODS = Set.of(
            "java.lang.System.nanoTime",
            "java.lang.System.currentTimeMillis",
            "java.time.Clock.systemUTC",
            "java.time.Clock.systemDefaultZone",
            "java.time.Clock.system",
            "java.time.InstantSource.system",
            "java.lang.Math.random",
            "java.lang.StrictMath.random",
            "java.util.UUID.randomUUID",
            "java.util.random.RandomGenerator.getDefault",
            "java.util.random.RandomGenerator.of");

    static ArchCondition<JavaClass> readTheClockOrDrawRandomness() {
        DescribedPredicate<JavaCall<?>> clockOrRandomMethod = DescribedPredicate.describe(
                "System.nanoTime/currentTimeMillis, Clock.system*, InstantSource.system, Math.random, UUID.randomUUID,"
                        + " RandomGenerator.getDefault/of",
                call -> CLOCK_AND_RANDOM_METHODS.contains(call.getTargetOwner().getName() + "." + call.getName()));
        // now() without a clock argument on Instant, LocalDateTime, ZonedDateTime, ...: now(clock) is fine.
        DescribedPredicate<JavaCall<?>> nowWithoutClock = DescribedPredicate.describe(
                "a java.time now() without a clock",
                call -> call.getTargetOwner().getPackageName().equals("java.time") && call.getName().equals("now")
                        && call.getTarget().getRawParameterTypes().isEmpty());
        DescribedPredicate<JavaCall<?>> threadLocalRandom = DescribedPredicate.describe(
                "ThreadLocalRandom",
                call -> call.getTargetOwner().isAssignableTo(ThreadLocalRandom.class));
        DescribedPredicate<JavaConstructorCall> newRandom = DescribedPredicate.describe(
                "new Random (or a subclass: SecureRandom)",
                call -> call.getTargetOwner().isAssignableTo(Random.class));
        return ArchConditions.callCodeUnitWhere(clockOrRandomMethod.or(nowWithoutClock).or(threadLocalRandom))
                .or(ArchConditions.callConstructorWhere(newRandom))
                .as("read the clock or draw randomness (System.nanoTime, System.currentTimeMillis, Instant.now,"
                        + " Clock.systemUTC, InstantSource.system, new Random, Math.random, ThreadLocalRandom, ...)");
    }
}
