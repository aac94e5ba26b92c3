import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';

/** The app's sections, in navigation order; `key` is the Ctrl/⌘ + number shortcut. */
export const sections = [
  {
    path: '/campaigns',
    name: 'campaigns',
    label: 'Campaigns',
    key: '1',
    component: () => import('./views/CampaignsView.vue'),
  },
  {
    path: '/command-center',
    name: 'command-center',
    label: 'Command Center',
    key: '2',
    component: () => import('./views/CommandCenterView.vue'),
  },
  {
    path: '/live-feed',
    name: 'live-feed',
    label: 'Live Feed',
    key: '3',
    component: () => import('./views/LiveFeedView.vue'),
  },
  {
    path: '/contacts',
    name: 'contacts',
    label: 'Contacts',
    key: '4',
    component: () => import('./views/ContactsView.vue'),
  },
  {
    path: '/settings',
    name: 'settings',
    label: 'Settings',
    key: '5',
    component: () => import('./views/SettingsView.vue'),
  },
] as const;

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/campaigns' },
  ...sections.map(({ path, name, component, label }) => ({ path, name, component, meta: { title: label } })),
  {
    path: '/campaigns/:id',
    name: 'campaign',
    component: () => import('./views/CampaignEditorView.vue'),
    meta: { title: 'Campaign' },
  },
  {
    path: '/contacts/:id/conversation',
    name: 'conversation',
    component: () => import('./views/ConversationView.vue'),
    meta: { title: 'Conversation' },
  },
  {
    path: '/campaigns/:id/results',
    name: 'campaign-results',
    component: () => import('./views/CampaignResultsView.vue'),
    meta: { title: 'Results' },
  },
  { path: '/:pathMatch(.*)*', redirect: '/campaigns' },
];

// Hash history: the packaged app loads from file://, where path URLs do not resolve.
export const router = createRouter({ history: createWebHashHistory(), routes });

// Only a navigation that happened names the window: one cancelled by a newer one (the start's
// redirect to Campaigns still loading its screen when the person clicks Live Feed) can end
// after it, and would put back the old title over the screen shown.
router.afterEach((_to, _from, failure) => {
  if (failure) return;
  const shown = router.currentRoute.value;
  document.title = `${String(shown.meta.title ?? 'Campaign Desk')} · Campaign Desk`;
});
