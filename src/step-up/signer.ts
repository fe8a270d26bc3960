import fastifyJwt from '@fastify/jwt'
import type { FastifyInstance } from 'fastify'
import { kidOf, type JwtLike, type StepUpKey, type StepUpTokens } from './tokens.js'

/**
 * Registers one `@fastify/jwt` namespace per step-up secret in the plugin's private
 * (encapsulated) context, so that a host's own @fastify/jwt, registered before or after,
 * keeps working; binds them to `tokens` (the first signs, with its `kid` in the header).
 * Expiry is the plugin's to check, with its clock.
 */
export async function registerSigners (scope: FastifyInstance, secrets: readonly string[], tokens: StepUpTokens): Promise<void> {
  const keys: StepUpKey[] = []
  for (const [i, secret] of secrets.entries()) {
    const namespace = `passbaseStepUp${i}`
    const kid = kidOf(secret)
    await scope.register(fastifyJwt, {
      secret,
      namespace,
      decoratorName: `${namespace}Claims`,
      jwtDecode: `${namespace}JwtDecode`,
      jwtVerify: `${namespace}JwtVerify`,
      jwtSign: `${namespace}JwtSign`,
      sign: { algorithm: 'HS256', kid },
      verify: { algorithms: ['HS256'], ignoreExpiration: true, ignoreNotBefore: true }
    })
    keys.push({ kid, jwt: (scope.jwt as unknown as Record<string, JwtLike>)[namespace]! })
  }
  tokens.bind(keys)
}
