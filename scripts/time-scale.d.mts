export declare const MAX_TIME_SCALE: number
/** The test suite's time factor: PASSBASE_TEST_TIME_SCALE, or the machine's load per core (1..10). */
export declare function timeScale (env?: NodeJS.ProcessEnv): number
