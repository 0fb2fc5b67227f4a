/** The file `provisio init` writes: every key, commented, secrets as environment references. */
export const starterConfig = `# provisio configuration. Reference: docs/configuration.md. Check it with: npx provisio test-connection
# Secrets are never written here: \${NAME} is replaced by the environment variable NAME at start-up.

# allowCustomEndpoints: true   # needed for a target.baseUrl, source.authorityHost or source.graphBaseUrl
#                              # other than Zendesk's and Microsoft's (an emulator, a proxy you trust)

source:
  type: entra
  # Entra admin center > Overview: "Tenant ID".
  tenantId: 00000000-0000-0000-0000-000000000000
  # App registrations > (your provisio app) > "Application (client) ID". It needs the Graph application
  # permissions User.Read.All, Application.Read.All, GroupMember.Read.All (Group.Read.All for group
  # look-ups on demand; Directory.Read.All to read one user's assignments between sweeps, else those
  # cycles read every assignment) and, for role import, Application.ReadWrite.OwnedBy with the app as
  # an owner of the Zendesk application (or Application.ReadWrite.All), all with admin consent.
  clientId: 00000000-0000-0000-0000-000000000000
  clientSecret: \${ENTRA_CLIENT_SECRET}
  # Enterprise applications > Zendesk > "Object ID" (of the enterprise application, not the app id).
  servicePrincipalId: 00000000-0000-0000-0000-000000000000
  # authorityHost: https://login.microsoftonline.com   # other clouds; an emulator needs allowCustomEndpoints
  # graphBaseUrl: https://graph.microsoft.com
  # caCertificateFile: ./ca.pem                         # extra CA to trust (TLS-inspecting proxy)

target:
  type: zendesk
  # "Admin Username": the e-mail address of a Zendesk admin.
  adminUsername: admin@example.com
  # "Secret Token": Admin Center > Apps and integrations > Zendesk API > Settings: enable Token access,
  # then Add API token.
  secretToken: \${ZENDESK_TOKEN}
  # "Domain": the subdomain only, e.g. example for https://example.zendesk.com.
  domain: example
  # baseUrl: http://127.0.0.1:4010                   # an emulator (with allowCustomEndpoints: true)

settings:
  scope: assigned            # assigned (users assigned to the Zendesk app) or all
  provisioningStatus: on     # off: sync runs no cycles
  interval: PT5S             # ISO-8601 duration between cycles: PT5S, near real time; PT40M as in Entra
  # idleInterval: PT15S      # the longest wait once the job is idle (a minute without changes); = interval: no back-off
  deprovision: suspend       # suspend, downgrade-and-suspend, delete or none
  skipOutOfScopeDeletions: false
  defaultAccess: skip        # skip users assigned only "Default Access" (Zendesk tutorial), or provision
  accidentalDeletionThreshold: 500  # more disables+deletes in one cycle are staged (npx provisio allow-deletes); 0: off
  downgradeThreshold: 50            # more role downgrades (admin/agent to a lesser role) in one cycle are staged; 0: off
  membershipRemovalThreshold: 500   # more group membership removals in one cycle are staged; 0: off
  expandNestedGroups: false  # true: members of nested groups join the Zendesk group too
  # assignmentSweepInterval: PT5M         # the longest time before every app-role assignment is read again
  # assignmentSweepRequestsPerMinute: 60  # and read again as often as that costs at most this many Graph requests a minute; 0: by the interval only
  # protectedUsers:            # Zendesk users provisio never adopts, changes, suspends or deletes, by
  #   - owner@example.com      # e-mail or id: the account owner (Zendesk's API does not say who that is)
  #   - breakglass@example.com # and your break-glass admins
  # notificationEmail: it-ops@example.com   # quarantine e-mails (needs the smtp section)
  # sendEmailOnFailure: true                # also an e-mail when a cycle has new failures

# smtp:                        # for notificationEmail
#   host: smtp.example.com
#   port: 587
#   secure: false              # true for TLS from the start (port 465)
#   user: provisio@example.com
#   password: \${SMTP_PASSWORD}
#   from: "provisio <provisio@example.com>"

mappings:
  users:
    actions: [create, update, delete]
    # scopingFilters:          # Graph's shape: OR across groups, AND within a group
    #   - name: Support staff
    #     clauses:
    #       - { sourceOperandName: department, operatorName: EQUALS, targetOperand: { values: [Support] } }
    # attributes:              # omit to use provisio's defaults (docs/mappings.md)
    #   - { target: external_id, type: Direct, source: objectId, matching: 1 }
    #   - { target: email, type: Direct, source: userPrincipalName, matching: 2 }
    #   - { target: name, type: Expression, source: 'Coalesce([displayName], [userPrincipalName])' }
    #   - { target: role, type: Expression, source: 'AppRoleAssignmentsComplex([appRoleAssignments])' }
  groups:
    enabled: true              # provision the assigned groups and their agents' memberships
    actions: [create, update, delete]
    # attributes:              # default: displayName → name (matching), description → description
`;
