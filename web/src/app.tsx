/** The console shell: the session gate, the navigation, the store switcher and the time-window picker. */
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState, type MouseEvent, type ReactNode } from 'react'
import { api, currentSession, onSignedOut, signOut, type Session, type Store } from './api'
import { ErrorNote, Loading } from './components'
import { DAY_MS, storeParam, timeWindow, WINDOWS, DEFAULT_WINDOW, type TimeWindow } from './filters'
import { AdminPage } from './pages/admin'
import { LearnerPage, ObjectivesPage, PagesPage, QuestionsPage } from './pages/analysis'
import { CohortsPage } from './pages/cohorts'
import { CoursePage } from './pages/course'
import { ForwardingPage } from './pages/forwarding'
import { IneffectivePage, InformalPage } from './pages/insights'
import { OverviewPage } from './pages/overview'
import { AtRiskPage, RecommendationsPage, SkillGapsPage } from './pages/learner-insights'
import { PeoplePage } from './pages/people'
import { PersonalDataPage } from './pages/personal-data'
import { SignInPage } from './pages/sign-in'
import { StatementsPage } from './pages/statements'
import { navigate, setParams, useLocation, withParams, type Location } from './router'

/** What every page gets: the chosen store and window, and the URL. */
export interface PageProps {
  store: Store
  window: TimeWindow
  location: Location
}

interface PageDef {
  path: string
  title: string
  render: (props: PageProps) => ReactNode
  /** Whether the time window applies (not on Administration). */
  windowed: boolean
  /** The heading the page is listed under in the navigation. */
  group: NavGroup
}

/** The navigation's sections, in order: what people look at first comes first. */
const NAV_GROUPS = ['Reports', 'Insights', 'Directory', 'Data'] as const
type NavGroup = (typeof NAV_GROUPS)[number]

export const PAGES: PageDef[] = [
  {
    path: '/',
    title: 'Overview',
    render: (p) => <OverviewPage {...p} />,
    windowed: true,
    group: 'Reports',
  },
  {
    path: '/course',
    title: 'Course report',
    render: (p) => <CoursePage {...p} />,
    windowed: true,
    group: 'Reports',
  },
  {
    path: '/learner',
    title: 'Learner',
    render: (p) => <LearnerPage {...p} />,
    windowed: true,
    group: 'Reports',
  },
  {
    path: '/questions',
    title: 'Questions',
    render: (p) => <QuestionsPage {...p} />,
    windowed: true,
    group: 'Reports',
  },
  {
    path: '/pages',
    title: 'Pages',
    render: (p) => <PagesPage {...p} />,
    windowed: true,
    group: 'Reports',
  },
  {
    path: '/objectives',
    title: 'Objectives',
    render: (p) => <ObjectivesPage {...p} />,
    windowed: true,
    group: 'Reports',
  },
  {
    path: '/statements',
    title: 'Statements',
    render: (p) => <StatementsPage {...p} />,
    windowed: true,
    group: 'Data',
  },
  {
    path: '/people',
    title: 'People',
    render: (p) => <PeoplePage {...p} />,
    windowed: false,
    group: 'Directory',
  },
  {
    path: '/cohorts',
    title: 'Cohorts',
    render: (p) => <CohortsPage {...p} />,
    windowed: true,
    group: 'Directory',
  },
  {
    path: '/informal',
    title: 'Informal',
    render: (p) => <InformalPage {...p} />,
    windowed: true,
    group: 'Insights',
  },
  {
    path: '/ineffective',
    title: 'Ineffective content',
    render: (p) => <IneffectivePage {...p} />,
    windowed: true,
    group: 'Insights',
  },
  {
    path: '/skill-gaps',
    title: 'Skills gaps',
    render: (p) => <SkillGapsPage {...p} />,
    windowed: false,
    group: 'Insights',
  },
  {
    path: '/at-risk',
    title: 'At-risk learners',
    render: (p) => <AtRiskPage {...p} />,
    windowed: false,
    group: 'Insights',
  },
  {
    path: '/recommendations',
    title: 'Recommendations',
    render: (p) => <RecommendationsPage {...p} />,
    windowed: false,
    group: 'Insights',
  },
  {
    path: '/admin',
    title: 'Administration',
    render: (p) => <AdminPage {...p} />,
    windowed: false,
    group: 'Data',
  },
  {
    path: '/forwarding',
    title: 'Forwarding',
    render: (p) => <ForwardingPage {...p} />,
    windowed: false,
    group: 'Data',
  },
  {
    path: '/personal-data',
    title: 'Personal data',
    render: (p) => <PersonalDataPage {...p} />,
    windowed: false,
    group: 'Data',
  },
]

/** An in-app link: keeps the store and window, navigates without a reload. */
export function Link(props: {
  href: string
  children: ReactNode
  className?: string
  current?: boolean
}) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
      return
    event.preventDefault()
    navigate(props.href)
  }
  return (
    <a
      href={props.href}
      onClick={follow}
      className={props.className}
      aria-current={props.current === true ? 'page' : undefined}
    >
      {props.children}
    </a>
  )
}

/** The URL of `path` with only the shared filters (store, window) of the current one. */
export function pageHref(path: string, extra: Record<string, string> = {}): string {
  const now = new URLSearchParams(window.location.search)
  const params = new URLSearchParams()
  for (const name of ['store', 'window', 'from', 'to']) {
    const value = now.get(name)
    if (value !== null) params.set(name, value)
  }
  for (const [name, value] of Object.entries(extra)) params.set(name, value)
  const query = params.toString()
  return query === '' ? path : `${path}?${query}`
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(undefined)
  const [checked, setChecked] = useState(false)
  const [notice, setNotice] = useState<string | undefined>(undefined)
  const queryClient = useQueryClient()

  useEffect(() => {
    currentSession()
      .then((found) => setSession(found))
      .catch(() => setSession(undefined))
      .finally(() => setChecked(true))
    return onSignedOut((message) => {
      setSession(undefined)
      setNotice(message)
      queryClient.clear()
    })
  }, [queryClient])

  if (!checked) return <Loading what="the console" />
  if (session === undefined)
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(signedIn) => {
          setNotice(undefined)
          setSession(signedIn)
        }}
      />
    )
  return (
    <Shell
      session={session}
      onSignOut={async () => {
        await signOut().catch(() => undefined)
        queryClient.clear()
        setNotice('You are signed out.')
        setSession(undefined)
      }}
    />
  )
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => Promise<void> }) {
  const location = useLocation()
  const stores = useQuery({
    queryKey: ['stores'],
    queryFn: () => api<{ stores: Store[] }>('/stores').then((r) => r.stores),
  })
  const page = PAGES.find((p) => p.path === location.path)
  const storeId = storeParam(location, stores.data?.[0]?.id)
  const store = stores.data?.find((s) => s.id === storeId)
  const timeWin = timeWindow(location)

  useEffect(() => {
    document.title = `${page?.title ?? 'Not found'} · Almanac`
  }, [page])

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">Almanac</div>
        <div className="account">
          <span className="muted">{session.username}</span>
          <button type="button" className="button secondary" onClick={() => void onSignOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav className="sidebar" aria-label="Pages">
        {NAV_GROUPS.map((group) => (
          <section key={group} aria-labelledby={`nav-${group}`}>
            <h2 id={`nav-${group}`}>{group}</h2>
            <ul>
              {PAGES.filter((p) => p.group === group).map((p) => (
                <li key={p.path}>
                  <Link href={pageHref(p.path)} current={p.path === location.path}>
                    {p.title}
                  </Link>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </nav>
      <div className="filters" role="group" aria-label="Filters">
        <label>
          Store
          <select
            value={storeId ?? ''}
            onChange={(event) => setParams({ store: event.target.value })}
            disabled={stores.data === undefined}
          >
            {(stores.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} (#{s.id})
              </option>
            ))}
          </select>
        </label>
        {page?.windowed === false ? null : <WindowPicker location={location} />}
      </div>
      <main id="main" tabIndex={-1}>
        {stores.error !== null ? (
          <ErrorNote error={stores.error} />
        ) : store === undefined ? (
          stores.isPending ? (
            <Loading what="stores" />
          ) : (
            <p className="error">There is no store #{String(storeId)}. Choose one above.</p>
          )
        ) : page === undefined ? (
          <p>
            No page here. <Link href={pageHref('/')}>Go to the overview</Link>.
          </p>
        ) : (
          page.render({ store, window: timeWin, location })
        )}
      </main>
    </div>
  )
}

function WindowPicker({ location }: { location: Location }) {
  const custom = location.params.has('from') || location.params.has('to')
  const value = custom ? 'custom' : (location.params.get('window') ?? DEFAULT_WINDOW)
  const today = new Date().toISOString().slice(0, 10)
  return (
    <>
      <label>
        Time window
        <select
          value={value}
          onChange={(event) => {
            const chosen = event.target.value
            if (chosen === 'custom')
              setParams({
                window: undefined,
                from: new Date(Date.now() - 30 * DAY_MS).toISOString().slice(0, 10),
                to: today,
              })
            else setParams({ window: chosen, from: undefined, to: undefined })
          }}
        >
          {WINDOWS.map((w) => (
            <option key={w.value} value={w.value}>
              {w.label}
            </option>
          ))}
        </select>
      </label>
      {custom ? (
        <>
          <label>
            From
            <input
              type="date"
              value={location.params.get('from') ?? ''}
              onChange={(event) => setParams({ from: event.target.value })}
            />
          </label>
          <label>
            To
            <input
              type="date"
              value={location.params.get('to') ?? ''}
              onChange={(event) => setParams({ to: event.target.value })}
            />
          </label>
        </>
      ) : null}
    </>
  )
}

export { withParams }
