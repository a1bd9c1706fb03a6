import type { HomeTabs } from '../../../domain/ports';

export interface HomeOpenedDeps {
  homeTabs?: HomeTabs;
}

/** `app_home_opened` on the Home tab: publish that person's tab, fresh (views.publish). */
export async function onHomeOpened(
  deps: HomeOpenedDeps,
  event: { user: string; tab?: string },
): Promise<void> {
  // The Messages tab opens the DM with the app; only the Home tab has a view to publish.
  if (event.tab !== undefined && event.tab !== 'home') return;
  await deps.homeTabs?.publish(event.user);
}
